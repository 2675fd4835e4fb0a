/** A hold, release or cancel; generation and deadline null for a v1 command. */
export interface ControlCommand {
  kind: 'hold' | 'release' | 'cancel';
  generation: number | null;
  deadline: number | null;
  /** cancel: the task's total, for the numbers not loaded yet */
  total?: number;
}

/** What the dialer holds for a task after a command (the ControlAnswer of the v2 RPCs). */
export interface ControlState {
  applied: boolean;
  reason?: 'stale' | 'expired';
  generation: number;
  cancelled: boolean;
  cancelledCount: number | null;
}
