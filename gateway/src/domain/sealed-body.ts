import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** HKDF `info`: names what the derived key is for, so the same secret never yields this key for another use. */
const INFO = 'autocall gateway: idempotency response bodies v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts stored responses that hold a secret (the admin's answers with a new API key in plain
 * text), so that the idempotency table never holds one readable. AES-256-GCM under a key derived
 * (HKDF-SHA256) from ADMIN_TOKEN; a random 12-byte IV per record; stored as iv ‖ tag ‖ ciphertext.
 * The additional data binds a body to its record: it opens only for the same tenant, key and request.
 */
export class BodySealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), INFO, 32));
  }

  seal(plain: Buffer, aad: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad));
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
  }

  /** The plain body, or undefined when it does not open (another ADMIN_TOKEN, or tampered with). */
  open(sealed: Buffer, aad: string): Buffer | undefined {
    if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}
