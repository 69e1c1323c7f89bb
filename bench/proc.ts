// Reading /proc: a process's memory (VmRSS, VmHWM), and CPU time of the server, of PostgreSQL (the
// postmaster and every backend) and of this load generator, so each phase can say who used the cores.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const cpus = () => availableParallelism();

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** kB values of VmRSS / VmHWM from /proc/<pid>/status, or null when the process is gone. */
export function memoryOf(pid: number): { rssKB: number; hwmKB: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rssKB: kb('VmRSS'), hwmKB: kb('VmHWM') };
  } catch {
    return null;
  }
}

/**
 * kB of the process's proportional set size (/proc/<pid>/smaps_rollup): its own pages, and each page it shares
 * with other processes (the node binary, libraries: mapped once by the machine) divided among them. Summed over
 * a process tree it is what the tree holds, where summed RSS counts a shared page once per process. Null when gone.
 */
export function pssOf(pid: number): number | null {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return null;
  }
}

/** The process and its descendants (a cluster's primary and its server processes, LibreOffice…). */
export const treeOf = (root: number): number[] => [root, ...descendants(root, allStats())];

/**
 * Memory of a process tree: `rssKB` the sum of its processes' RSS, `pssKB` the sum of their PSS (what the
 * machine holds for the tree, shared pages once), `hwmKB` the largest VmHWM of any one of them, `processes`
 * how many answered. Null when the root is gone.
 */
export function treeMemoryOf(
  root: number,
  pids: number[] = treeOf(root),
): { rssKB: number; pssKB: number; hwmKB: number; processes: number } | null {
  if (!memoryOf(root)) return null;
  let rssKB = 0;
  let pssKB = 0;
  let hwmKB = 0;
  let processes = 0;
  for (const pid of pids) {
    const m = memoryOf(pid);
    if (!m) continue;
    rssKB += m.rssKB;
    pssKB += pssOf(pid) ?? m.rssKB;
    hwmKB = Math.max(hwmKB, m.hwmKB);
    processes++;
  }
  return { rssKB, pssKB, hwmKB, processes };
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Samples a process's RSS every `everyMs` and keeps the peak (the kernel's VmHWM is read as well). */
export class MemoryWatch {
  maxRssKB = 0;
  /** The sampled peak of the tree's summed PSS. */
  maxPssKB = 0;
  lastHwmKB = 0;
  samples = 0;
  /** The peak since the last takeWindow(): which phase drove the process's peak. */
  private windowMaxKB = 0;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    readonly pid: number,
    readonly everyMs = 250,
  ) {}
  start() {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
    return this;
  }
  /** The most processes the tree had at a sample. */
  processes = 0;
  private pids: number[] = [];
  sample() {
    // The tree is read again every 2 s (reading all of /proc four times a second would cost this process more).
    if (this.samples % 8 === 0) this.pids = treeOf(this.pid);
    const m = treeMemoryOf(this.pid, this.pids);
    if (!m) return;
    this.samples++;
    this.processes = Math.max(this.processes, m.processes);
    this.maxRssKB = Math.max(this.maxRssKB, m.rssKB);
    this.maxPssKB = Math.max(this.maxPssKB, m.pssKB);
    this.windowMaxKB = Math.max(this.windowMaxKB, m.rssKB);
    this.lastHwmKB = Math.max(this.lastHwmKB, m.hwmKB);
  }
  /** The sampled RSS peak (kB) since the last call, and a new window from now. */
  takeWindow(): number {
    this.sample();
    const peak = this.windowMaxKB;
    this.windowMaxKB = 0;
    return peak;
  }
  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
  }
}

interface Stat {
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

function statOf(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid … utime(14) stime(15) cutime(16) cstime(17), 1-based over the whole line.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(f[1]),
      utime: Number(f[11]),
      stime: Number(f[12]),
      cutime: Number(f[13]),
      cstime: Number(f[14]),
    };
  } catch {
    return null;
  }
}

/** Every process's stat line now, by pid. */
function allStats(): Map<number, Stat> {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = statOf(Number(name));
    if (s) stats.set(Number(name), s);
  }
  return stats;
}

/** The pids below `root` in these stats (children, their children, …). */
function descendants(root: number, stats: Map<number, Stat>): number[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++)
    for (const [pid, s] of stats) if (s.ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  return tree.slice(1);
}

/** CPU seconds of a process tree: live processes, plus the children the root has reaped (cutime/cstime). */
function treeCpuSeconds(root: number): number {
  const stats = allStats();
  // The root last: a child reaped while /proc was being read is then in the root's cutime, not lost.
  const rootStat = statOf(root);
  if (!rootStat) return 0;
  let ticks = rootStat.utime + rootStat.stime + rootStat.cutime + rootStat.cstime;
  for (const pid of descendants(root, stats)) ticks += stats.get(pid)!.utime + stats.get(pid)!.stime;
  return ticks / CLK_TCK;
}

function processCpuSeconds(pid: number): number {
  const s = statOf(pid);
  return s ? (s.utime + s.stime) / CLK_TCK : 0;
}

function machine(): { busy: number; iowait: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line;
  return {
    busy: user + nice + system + irq + softirq + steal,
    iowait,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

export interface CpuSnap {
  at: number;
  server: number;
  postgres: number;
  loadgen: number;
  /** Named further processes (e.g. the Temporal server and worker), CPU seconds. */
  extra: Record<string, number>;
  machine: ReturnType<typeof machine>;
}

export function cpuSnap(
  serverPid: number | null,
  postmasterPid: number | null,
  extra: Record<string, number | null> = {},
): CpuSnap {
  const u = process.cpuUsage();
  return {
    at: performance.now(),
    server: serverPid ? treeCpuSeconds(serverPid) : 0,
    postgres: postmasterPid ? treeCpuSeconds(postmasterPid) : 0,
    loadgen: (u.user + u.system) / 1e6,
    extra: Object.fromEntries(Object.entries(extra).map(([k, pid]) => [k, pid ? processCpuSeconds(pid) : 0])),
    machine: machine(),
  };
}

/**
 * Each process as a share of ONE core (100 % = one core busy); the machine as a share of all its cores.
 * otherPct: what everything else on the machine used meanwhile (share of one core).
 */
export interface CpuUse {
  serverPct: number;
  postgresPct: number;
  loadgenPct: number;
  /** The named further processes, each as a share of one core. */
  extraPct: Record<string, number>;
  otherPct: number;
  machineBusyPct: number;
  iowaitPct: number;
}

export function cpuUse(a: CpuSnap, b: CpuSnap): CpuUse {
  const secs = (b.at - a.at) / 1000;
  const total = b.machine.total - a.machine.total || 1;
  const pct = (x: number) => Math.round((x / secs) * 1000) / 10;
  const serverPct = pct(b.server - a.server);
  const postgresPct = pct(b.postgres - a.postgres);
  const loadgenPct = pct(b.loadgen - a.loadgen);
  const machineBusyPct = Math.round(((b.machine.busy - a.machine.busy) / total) * 1000) / 10;
  const extraPct = Object.fromEntries(Object.keys(b.extra).map((k) => [k, pct(b.extra[k]! - (a.extra[k] ?? 0))]));
  const extraSum = Object.values(extraPct).reduce((x, y) => x + y, 0);
  const otherPct = Math.max(
    0,
    Math.round((machineBusyPct * cpus() - serverPct - postgresPct - loadgenPct - extraSum) * 10) / 10,
  );
  return {
    serverPct,
    postgresPct,
    loadgenPct,
    extraPct,
    otherPct,
    machineBusyPct,
    iowaitPct: Math.round(((b.machine.iowait - a.machine.iowait) / total) * 1000) / 10,
  };
}
