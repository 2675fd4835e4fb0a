export * from './server';
export * from './run';
export * from './route';
export * from './upload';
