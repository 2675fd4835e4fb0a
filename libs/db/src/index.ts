export * from './data-source';
export * from './outbox-inbox';
export type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
export * from './page';
export * from './usages';
