import { TcpRelay, testDatabaseUrl } from '@autocall/testing';

/** A relay in front of PostgreSQL (127.0.0.1:5432) for one client (see TcpRelay). */
export class PgProxy extends TcpRelay {
  constructor() {
    super(5432);
  }

  url(): string {
    const url = new URL(testDatabaseUrl());
    url.port = String(this.port);
    return url.toString();
  }
}
