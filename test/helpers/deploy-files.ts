/**
 * Small readers for the deployment files, for the tests that check them: a Dockerfile's stages and instructions,
 * .dockerignore rules, env files, compose durations and interpolation, and the files and packages a TypeScript
 * entry point loads.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The base image, with build arguments substituted. */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Stages of a Dockerfile; continuation lines are joined, comments dropped, `${ARG}` in FROM substituted. */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [image, , name] = rest.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? '').split(/\s+/);
      stages.push({ from: image, name, instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [key, value = ''] = rest.split('=');
      args[key] = value;
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ keyword: upper, args: rest });
    }
  }
  return stages;
}

/** The shell commands of a stage's RUN instructions, split at `&&`, in order. */
export function runCommands(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .flatMap((i) => i.args.split('&&'))
    .map((c) => c.trim().replace(/\s+/g, ' '));
}

/** `ENV A=1 B=2` instructions of a stage as one record. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const pair of i.args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** The JSON (exec) form of an ENTRYPOINT, CMD or `HEALTHCHECK … CMD [...]`. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}

/**
 * Whether the build context leaves `file` (a path relative to the context) out, by Docker's rules: patterns are
 * anchored at the context root, `*` stays within one path segment, a directory's exclusion covers what is inside
 * it, and the last matching pattern wins (`!` re-includes).
 */
export function dockerIgnores(dockerignore: string, file: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ include: l.startsWith('!'), regex: globRegex(l.replace(/^!/, '').replace(/^\/|\/$/g, '')) }));
  const segments = file.split('/');
  const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.include;
  }
  return ignored;
}

function globRegex(glob: string): RegExp {
  const body = glob
    .split('**')
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]'),
    )
    .join('.*');
  return new RegExp(`^${body}$`);
}

export interface EnvFile {
  /** `KEY=value` lines, in order. */
  active: [string, string][];
  /** `# KEY=value` lines: documented settings, commented out. */
  documented: [string, string][];
  /** Lines that are neither comments, blank, nor `KEY=value`. */
  invalid: string[];
}

/** An env file as `docker run --env-file` and compose's `env_file` read it (values taken literally). */
export function parseEnvFile(text: string): EnvFile {
  const file: EnvFile = { active: [], documented: [], invalid: [] };
  for (const line of text.split('\n')) {
    const documented = /^#\s?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    const active = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (documented) file.documented.push([documented[1], documented[2]]);
    else if (active) file.active.push([active[1], active[2]]);
    else if (line.trim() !== '' && !line.startsWith('#')) file.invalid.push(line);
  }
  return file;
}

/** A compose duration (`45s`, `1m30s`, `1h`) in milliseconds. */
export function composeDurationMs(value: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  const rest = value.replace(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g, (_, n: string, unit: string) => {
    total += Number(n) * units[unit];
    return '';
  });
  if (rest !== '' || value === '') throw new Error(`not a compose duration: "${value}"`);
  return total;
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}` interpolation over `env`. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (_, name: string, op: string | undefined, fallback = '') => {
    const v = env[name];
    if (op === ':-') return v === undefined || v === '' ? fallback : v;
    if (op === '-') return v === undefined ? fallback : v;
    return v ?? '';
  });
}

export interface LoadedCode {
  /** Files loaded, relative to the root. */
  files: string[];
  /** Packages loaded at run time (type-only imports excluded). */
  packages: string[];
}

const IMPORT_PATTERNS = [
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g,
  /\b(require)(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\b(import)\(\s*['"]([^'"]+)['"]\s*\)/g,
];
const BUILTINS = new Set(builtinModules);

/** Every source file and package an entry point loads, following relative imports, re-exports and requires. */
export function loadedCode(root: string, entry: string): LoadedCode {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [path.resolve(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const rel = path.relative(root, file);
    if (files.has(rel)) continue;
    files.add(rel);
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    const source = fs.readFileSync(file, 'utf8');
    for (const pattern of IMPORT_PATTERNS) {
      for (const match of source.matchAll(pattern)) {
        const typeOnly = match.length === 4 && match[2] !== undefined;
        const specifier = match[match.length - 1];
        if (typeOnly) continue;
        if (specifier.startsWith('.')) queue.push(resolveModule(path.dirname(file), specifier));
        else if (!specifier.startsWith('node:') && !BUILTINS.has(specifier.split('/')[0])) {
          const parts = specifier.split('/');
          packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
        }
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

function resolveModule(dir: string, specifier: string): string {
  const base = path.resolve(dir, specifier);
  const candidates = [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts'), path.join(base, 'index.js')];
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!found) throw new Error(`cannot resolve ${specifier} from ${dir}`);
  return found;
}
