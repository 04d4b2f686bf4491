/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): where the CPU went, by function (self
 * time), by package or source file (self time), and the project's own functions by total time
 * (self plus callees). Used by the benchmark when BENCH_CPU_PROF is set; also runs on its own:
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const IDLE = new Set(['(idle)', '(program)']);

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules !== -1) return path.slice(modules + '/node_modules/'.length);
  const src = path.indexOf('/src/');
  if (src !== -1) return path.slice(src + 1);
  return path;
}

/** A package (`fastify`, `@scope/pkg`), a project file (`src/...`), `node:internal` or a V8 tag. */
function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName || '(native)';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const parts = path.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  if (path.startsWith('node:')) return path.split('/').slice(0, 2).join('/');
  return shortUrl(url);
}

/** Name and position; the column matters because tsx emits each module's code on very few lines. */
const functionKey = (node: ProfileNode): string => {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const where = `${shortUrl(url)}:${lineNumber + 1}:${columnNumber + 1}`;
  return url ? `${functionName || '(anonymous)'}  ${where}` : functionName;
};

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1).padStart(5)}%`;

function top(map: Map<string, number>, count: number, whole: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, value]) => `  ${pct(value, whole)}  ${key}`);
}

export function summariseProfile(file: string, count = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const totalByOwnFunction = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);

  for (let i = 0; i < samples.length; i += 1) {
    const node = byId.get(samples[i] ?? -1);
    // Each sample stands for the time until the next one.
    const us = Math.max(0, deltas[i + 1] ?? 0);
    if (!node) continue;
    if (IDLE.has(node.callFrame.functionName)) {
      idle += us;
      continue;
    }
    busy += us;
    add(selfByFunction, functionKey(node), us);
    add(selfByArea, areaOf(node), us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id);
      if (!frame?.callFrame.url.includes('/src/')) continue;
      const key = functionKey(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      add(totalByOwnFunction, key, us);
    }
  }
  if (busy === 0) return `${file}: no busy samples`;
  return [
    `CPU profile ${file}`,
    `  busy ${(busy / 1e6).toFixed(2)} s, idle or unattributed ${(idle / 1e6).toFixed(2)} s; shares below are of busy time`,
    `Self time by package / file:`,
    ...top(selfByArea, count, busy),
    `Self time by function:`,
    ...top(selfByFunction, count, busy),
    `Total time (self + callees) of Baton's own functions:`,
    ...top(totalByOwnFunction, count, busy),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, count] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summariseProfile(file, count ? Number(count) : 20)}\n`);
}
