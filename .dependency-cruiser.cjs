/**
 * Boundaries from docs/architecture.md, enforced in the test command over `src` and `test`.
 *
 * Production code follows the layer rules. Tests follow rules of their own that say what a test may import: what
 * its subject may, plus test code, plus (under a context) the rest of its own context, whose adapters an int spec
 * runs for real. Neither loosens the other.
 */
const PLATFORM_PORTS =
  '^src/platform/(event-store/event-store|persistence/database|messaging/message-bus|consumers/log-consumer|scheduling/scheduler|config|outage)\\.ts$';
/** Specs and the fixtures they share. */
const SPEC = '\\.(spec|fixtures)\\.ts$';
/** Whatever exists only for tests: specs, fixtures, shared test suites, test helpers in src and everything in test/. */
const TEST_CODE = ['\\.(spec|fixtures|contract)\\.ts$', '^src/platform/testing/', '^test/'];
const TEST_FRAMEWORKS = '(^|/)node_modules/(vitest|@vitest|fast-check)/';
/** What a test under a context may import beyond its own context. */
const CONTEXT_SPEC_REACH = ['^src/contexts/[^/]+/contracts/', '^src/platform/', '^src/shared-kernel/', '^test/support/', '^src/app/'];

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },

    // production code
    {
      name: 'domain-is-pure',
      comment: 'domain imports only its own domain and the shared kernel',
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/domain/', pathNot: SPEC },
      to: { pathNot: ['^src/contexts/$1/domain/', '^src/shared-kernel/'] },
    },
    {
      name: 'application-uses-ports',
      comment: 'application imports its own domain/application, contracts, platform ports and the shared kernel',
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/application/', pathNot: SPEC },
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
      from: { path: '^src/contexts/([^/]+)/contracts/', pathNot: SPEC },
      to: { path: '^src/', pathNot: ['^src/contexts/[^/]+/contracts/', PLATFORM_PORTS, '^src/shared-kernel/'] },
    },
    {
      name: 'no-context-internals',
      comment: "a context never imports another context's internals or module; only contracts",
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/', pathNot: SPEC },
      to: { path: '^src/contexts/', pathNot: ['^src/contexts/$1/', '^src/contexts/[^/]+/contracts/'] },
    },
    {
      name: 'platform-imports-no-context',
      comment: 'platform and shared kernel serve any set of contexts; their specs name none either (see platform-spec-reach)',
      severity: 'error',
      from: { path: '^src/(platform|shared-kernel)/', pathNot: SPEC },
      to: { path: '^src/contexts/' },
    },
    {
      name: 'shared-kernel-is-tiny',
      comment: 'the shared kernel, specs included, imports only itself',
      severity: 'error',
      from: { path: '^src/shared-kernel/' },
      to: { path: '^src/', pathNot: '^src/shared-kernel/' },
    },
    {
      name: 'production-imports-no-test-code',
      comment: 'specs, fixtures, test suites and test helpers never ship',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    {
      name: 'production-needs-no-dev-dependency',
      comment: 'a production install omits devDependencies (test frameworks, tooling); types alone are erased',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_CODE },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },

    // apps: src/app is the monolith's composition root, src/gateway a separate app in front of it
    {
      name: 'only-specs-import-the-app',
      comment: 'src/app composes everything, so nothing but its own files and tests imports it (the gateway: see below)',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app/', '^src/gateway/', SPEC] },
      to: { path: '^src/app/' },
    },
    {
      name: 'gateway-imports-platform-and-contracts',
      comment:
        "the gateway, specs included, knows contexts only by their contracts and never the monolith's app, but for the " +
        'topology (a data file: the contexts and the settings naming their services)',
      severity: 'error',
      from: { path: '^src/gateway/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/gateway/',
          '^src/platform/',
          '^src/shared-kernel/',
          '^src/contexts/[^/]+/contracts/',
          '^src/app/services/topology\\.ts$',
        ],
      },
    },
    {
      name: 'nothing-imports-the-gateway',
      comment: 'contexts, platform and src/app never depend on the gateway; only its own files, its composition root and test/ do',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/gateway/', '^src/app/gateway\\.main\\.ts$'] },
      to: { path: '^src/gateway/' },
    },

    // tests
    {
      name: 'specs-are-leaves',
      comment: 'nothing imports a spec; what specs share lives in fixtures, test suites or test/support',
      severity: 'error',
      from: {},
      to: { path: '\\.spec\\.ts$' },
    },
    {
      name: 'domain-spec-is-pure',
      comment: 'a domain spec imports its own domain, the shared kernel, the platform test helpers and test frameworks',
      severity: 'error',
      from: { path: `^src/contexts/([^/]+)/domain/.+${SPEC}` },
      to: { pathNot: ['^src/contexts/$1/domain/', '^src/shared-kernel/', '^src/platform/testing/', TEST_FRAMEWORKS] },
    },
    {
      name: 'context-spec-stays-in-its-context',
      comment:
        "a test under a context imports its own context (adapters included), any context's contracts, the platform, " +
        "the shared kernel, test/support and src/app's composition; never another context's internals",
      severity: 'error',
      from: { path: `^src/contexts/([^/]+)/.+${SPEC}`, pathNot: ['^src/contexts/[^/]+/domain/', '\\.e2e\\.spec\\.ts$'] },
      to: { path: '^(src|test)/', pathNot: ['^src/contexts/$1/', ...CONTEXT_SPEC_REACH] },
    },
    {
      name: 'context-e2e-spec-swaps-only-seams',
      comment:
        'an e2e spec under a context also reaches the seams of the contexts its scenario crosses: their ports, to swap an ' +
        'adapter in the composition as src/app does, and their sandbox adapters, to play the outside provider (sign ' +
        'its webhooks); nothing else of them',
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/.+\\.e2e\\.spec\\.ts$' },
      to: {
        path: '^(src|test)/',
        pathNot: [
          '^src/contexts/$1/',
          ...CONTEXT_SPEC_REACH,
          '^src/contexts/[^/]+/application/ports\\.ts$',
          '^src/contexts/[^/]+/infrastructure/sandbox\\.[^/]+\\.ts$',
        ],
      },
    },
    {
      name: 'platform-spec-reach',
      comment:
        "a platform spec imports the platform, the shared kernel, test/support and src/app (to check the app's report " +
        'of a platform failure); never a context, which the platform must not need',
      severity: 'error',
      from: { path: `^src/platform/.+${SPEC}` },
      to: { path: '^(src|test)/', pathNot: ['^src/platform/', '^src/shared-kernel/', '^test/support/', '^src/app/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
