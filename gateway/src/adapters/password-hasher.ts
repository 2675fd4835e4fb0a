import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const scryptAsync = (password: string, salt: Buffer, o: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, KEY_LENGTH, o, (err, key) => (err ? reject(err) : resolve(key))));

/**
 * Passwords hashed with Node's scrypt (memory-hard; no native add-on to install): `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`
 * (base64url), so that raising the cost later leaves the old hashes verifiable. The cost is
 * PASSWORD_SCRYPT_LOG_N: 17 (N = 131072, r = 8: 128 MiB and about a quarter second a hash) by default,
 * OWASP's recommendation for scrypt.
 */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(
    private readonly logN: number,
    private readonly r = 8,
    private readonly p = 1,
  ) {}

  private options(logN: number, r: number, p: number): ScryptOptions {
    const N = 2 ** logN;
    return { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 };
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scryptAsync(password, salt, this.options(this.logN, this.r, this.p));
    return ['scrypt', this.logN, this.r, this.p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** True when `password` is the one `stored` was made from. */
  async verify(password: string, stored: string): Promise<boolean> {
    const [kind, logN, r, p, salt, key] = stored.split('$');
    if (kind !== 'scrypt' || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64url');
    const got = await scryptAsync(password, Buffer.from(salt, 'base64url'), this.options(Number(logN), Number(r), Number(p)));
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  /**
   * Costs what verify() costs, for a login whose email matches no user: a wrong email and a wrong
   * password then take about the same time.
   */
  async verifyNobody(password: string): Promise<false> {
    this.dummy ??= this.hash(randomBytes(16).toString('base64url'));
    await this.verify(password, await this.dummy);
    return false;
  }
}
