export * from './server';
export * from './run';
