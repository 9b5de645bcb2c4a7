// The structure rule (issue 26), checked by `npm run structure` and by test/unit/structure.test.ts.
// The code lives on floors; an import may go down or stay on its floor, never up. The folders of a floor
// are its rooms: no circle of imports between rooms on any floor. The graph is the runtime one (type-only
// imports are erased): src/domain imports the design schema's types from src/config, and the lint fence in
// eslint.config.js keeps every value import of src/domain inside it, so workflow code stays deterministic.
const FLOORS = [
  ['entry', '^(worker|src/cli)/'],
  ['orchestration', '^(workflows|activities)/'],
  ['services', '^src/(providers|testbed|team|temporal|tools|nodeaccess|load|report|scenarios|sampling|kube|ssh|store)/'],
  ['core', '^src/(analysis|config|pki|process)/'],
  ['base', '^src/domain/'],
];

const upwards = FLOORS.slice(1).map(([name, path], i) => ({
  name: `no-up-from-${name}`,
  comment: `${name} imports only its own floor and the floors below it`,
  severity: 'error',
  from: { path },
  to: { path: FLOORS.slice(0, i + 1).map(([, above]) => above).join('|') },
}));

module.exports = {
  forbidden: [
    ...upwards,
    {
      name: 'every-folder-on-a-floor',
      comment: 'a new top folder of src/ is given its floor here',
      severity: 'error',
      from: { path: '^src/', pathNot: FLOORS.map(([, path]) => path).join('|') },
      to: {},
    },
    { name: 'no-room-cycles', severity: 'error', scope: 'folder', from: {}, to: { circular: true } },
    { name: 'no-module-cycles', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: false,
  },
};
