import { Type } from '@sinclair/typebox';

/** An RPC handler's domain error travels back as this, so the caller can map it (e.g. to a 422). */
export const RpcErrorBody = Type.Object({ code: Type.String(), message: Type.String(), status: Type.Integer() });
