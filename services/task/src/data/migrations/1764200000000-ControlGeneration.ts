import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versioned control (ARCHITECTURE.md "Task control is versioned"):
 * - `control_generation` sequence: every hold/release/cancel sent to the dialer draws a number,
 *   used up whatever becomes of the command, so a later command always outranks an earlier one;
 * - `tasks.control_generation`: the generation the dialer acknowledged for the state the row shows;
 * - `control_holder` / `control_lease_until`: the per-task control lease, held across the RPC and the
 *   commit of a transition (a lease, not a row lock or a pooled connection held over an RPC);
 * - `control_due_at` / `control_tries`: when the reconciler re-sends the row's state to the dialer
 *   (a transition timed out, or its process died mid-way); NULL when the dialer is known to agree.
 */
export class ControlGeneration1764200000000 implements MigrationInterface {
  name = 'ControlGeneration1764200000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`CREATE SEQUENCE IF NOT EXISTS control_generation`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS control_generation bigint NOT NULL DEFAULT 0`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS control_holder uuid`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS control_lease_until timestamptz`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS control_due_at timestamptz`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS control_tries int NOT NULL DEFAULT 0`);
    await qr.query(`CREATE INDEX IF NOT EXISTS tasks_control_due ON tasks (control_due_at) WHERE control_due_at IS NOT NULL`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
