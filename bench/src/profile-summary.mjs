// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by package / area and the top functions.
//
//   node bench/src/profile-summary.mjs /tmp/prof/CPU.….cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });

/** The area a frame belongs to: a package of node_modules, a core directory, node itself, or V8. */
function areaOf(url, name) {
  if (!url) return name.startsWith('(') ? name : `native ${name}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const core = /core\/dist\/(.*?)\/[^/]+\.js$/.exec(url);
  if (core) return `core/${core[1]}`;
  const plugin = /plugins\/([^/]+)\//.exec(url);
  if (plugin) return `plugin ${plugin[1]}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/(.*?)(\/.*)?$/, 'node:$1');
  if (url.includes('/bench/')) return 'bench';
  return url;
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i += 1)
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const areas = new Map();
  const functions = new Map();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const area = areaOf(callFrame.url, callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const fn = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(core|bench|plugins)\//, '$1/')}:${callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  console.log('-- self time by area');
  for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) console.log(`${pct(us)}  ${area}`);
  console.log('-- self time by function');
  for (const [fn, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) console.log(`${pct(us)}  ${fn}`);
}
