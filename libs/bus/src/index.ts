export * from './bus';
export * from './rabbit-bus';
export * from './outbox';
export * from './inbox';
export * from './validation';
export * from './pg-bus';
export * from './dlq';
export * from './delivery';
