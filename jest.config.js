/** Component tests run against the real PostgreSQL and RabbitMQ (see libs/testing). */
const swc = ['@swc/jest', {
  jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022', keepClassNames: true },
  module: { type: 'commonjs' },
}];
// music-metadata default-imports CommonJS packages (content-type, debug): Node's interop, not Babel's
const swcNodeInterop = [swc[0], { ...swc[1], module: { type: 'commonjs', importInterop: 'node' } }];
module.exports = {
  testEnvironment: 'node',
  transform: {
    '/node_modules/\\.pnpm/music-metadata@[^/]+/.+\\.js$': swcNodeInterop,
    '^.+\\.(t|j|mj)sx?$': swc,
  },
  transformIgnorePatterns: ['/node_modules/\\.pnpm/(?!(cookie|music-metadata|codec-parser|mpg123-decoder|strtok3|token-types|peek-readable|file-type|@tokenizer|uint8array-extras|@wasm-audio-decoders|simple-yenc|@eshaz|@borewit|win-guid|media-typer|set-cookie-parser)[@+])'],
  resolver: '<rootDir>/libs/testing/src/jest-resolver.js',
  moduleNameMapper: { '^@autocall/(config|logger|http|db|contracts|bus|testing|service|work-loop|xlsx|audio|phone|dialing-time|net-guard)$': '<rootDir>/libs/$1/src' },
  testMatch: ['<rootDir>/{libs,services,gateway,test}/**/*.test.ts', '<rootDir>/{libs,services}/*/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
