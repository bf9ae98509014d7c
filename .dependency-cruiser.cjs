/** Boundaries from docs/architecture.md, enforced in the test command. */
const PLATFORM_PORTS =
  '^src/platform/(event-store/event-store|persistence/database|messaging/message-bus|consumers/log-consumer|scheduling/scheduler|config)\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      comment: 'domain imports only its own domain and the shared kernel',
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/domain/' },
      to: { pathNot: ['^src/contexts/$1/domain/', '^src/shared-kernel/'] },
    },
    {
      name: 'application-uses-ports',
      comment: 'application imports its own domain/application, contracts, platform ports and the shared kernel',
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/application/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/contexts/$1/(domain|application|contracts)/',
          '^src/contexts/[^/]+/contracts/',
          PLATFORM_PORTS,
          '^src/shared-kernel/',
        ],
      },
    },
    {
      name: 'contracts-are-plain',
      comment: 'a public contract depends on nothing but other contracts, platform ports and the shared kernel',
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/contracts/' },
      to: { path: '^src/', pathNot: ['^src/contexts/[^/]+/contracts/', PLATFORM_PORTS, '^src/shared-kernel/'] },
    },
    {
      name: 'no-context-internals',
      comment: "a context never imports another context's internals or module; only contracts",
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/' },
      to: { path: '^src/contexts/', pathNot: ['^src/contexts/$1/', '^src/contexts/[^/]+/contracts/'] },
    },
    {
      name: 'contexts-do-not-import-app',
      severity: 'error',
      from: { path: '^src/contexts/' },
      to: { path: '^src/app/' },
    },
    {
      name: 'platform-imports-no-context',
      severity: 'error',
      from: { path: '^src/(platform|shared-kernel)/' },
      to: { path: '^src/(contexts|app)/' },
    },
    {
      name: 'shared-kernel-is-tiny',
      severity: 'error',
      from: { path: '^src/shared-kernel/' },
      to: { path: '^src/', pathNot: '^src/shared-kernel/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.(spec|fixtures)\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
