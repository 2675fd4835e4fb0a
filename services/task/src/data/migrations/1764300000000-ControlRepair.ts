import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every task that still needs something of the dialer is handed to the control reconciler once,
 * so tasks left diverged by unversioned control (shown `paused` while the dialer dials, and the
 * like) are brought in line: the reconciler re-sends each one's state under a fresh generation.
 * Harmless wherever it runs: a fresh database has no rows, and re-sending a task's state is
 * idempotent on the dialer (a repeated cancel answers the count of the first; completed tasks are
 * left out, they need nothing).
 */
export class ControlRepair1764300000000 implements MigrationInterface {
  name = 'ControlRepair1764300000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`UPDATE tasks SET control_due_at = now() WHERE status IN ('scheduled', 'running', 'paused', 'cancelled') AND control_due_at IS NULL`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
