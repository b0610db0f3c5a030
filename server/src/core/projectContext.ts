/**
 * What the project a dependency file belongs to says that the rules and fixes need: its
 * `requires-python` (the pin fixes keep to it) and the cooldown it states for its installer
 * (uv's `exclude-newer` in `uv.toml`, `pyproject.toml`'s `[tool.uv]`, or a `uv.lock`'s
 * `[options]`). Found by walking up from the file to the first folder with a `pyproject.toml`
 * or `uv.toml`, as uv finds its project.
 */
import * as path from 'node:path';
import { asTable, readToml, TomlDateTime, type TomlTable, type TomlValue } from './lock/toml.js';
import { lockCooldown, minimumAgeCooldown, parseExcludeNewer, type Cooldown, type ParsedCooldown } from './releaseAge.js';

export interface ProjectContext {
  /** The folder of the project's pyproject.toml or uv.toml, when one was found. */
  root?: string;
  /** Its `[project] name`, as written: the workspace builds that project itself. */
  name?: string;
  requiresPython?: string;
  /** The installer's cooldown, and where it is stated (for messages). */
  cooldown?: { cooldown: Cooldown; source: string };
  /** A cooldown value that could not be read: said once, never guessed at. */
  problem?: string;
}

/** Reads a file's text, or undefined when it does not exist or cannot be read. */
export type ReadText = (file: string) => Promise<string | undefined>;

/** Far larger than any real pyproject.toml or uv.toml; a uv.lock's `[options]` is at its top. */
const MAX_CONFIG = 256 * 1024;
const MAX_LOCK_HEAD = 64 * 1024;
const MAX_LEVELS = 16;

export async function projectContext(file: string, read: ReadText): Promise<ProjectContext> {
  let dir = path.dirname(path.resolve(file));
  for (let level = 0; level < MAX_LEVELS; level++) {
    const [pyproject, uvToml] = await Promise.all([read(path.join(dir, 'pyproject.toml')), read(path.join(dir, 'uv.toml'))]);
    if (pyproject !== undefined || uvToml !== undefined) return contextAt(dir, pyproject, uvToml, read);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return {};
}

async function contextAt(dir: string, pyproject: string | undefined, uvToml: string | undefined, read: ReadText): Promise<ProjectContext> {
  const context: ProjectContext = { root: dir };
  const project = tomlOf(pyproject, MAX_CONFIG);
  const requiresPython = asTable(project?.project)?.['requires-python'];
  if (typeof requiresPython === 'string') context.requiresPython = requiresPython;
  const name = asTable(project?.project)?.name;
  if (typeof name === 'string') context.name = name;
  // uv reads uv.toml before [tool.uv]; the lock records what it was resolved with.
  const uv = tomlOf(uvToml, MAX_CONFIG);
  const fromUvToml = uv?.['exclude-newer'];
  const fromPyproject = asTable(asTable(project?.tool)?.uv)?.['exclude-newer'];
  let parsed: ParsedCooldown | undefined;
  let source = '';
  if (fromUvToml !== undefined) [parsed, source] = [parseExcludeNewer(plain(fromUvToml)), 'exclude-newer in uv.toml'];
  else if (fromPyproject !== undefined) [parsed, source] = [parseExcludeNewer(plain(fromPyproject)), 'exclude-newer in pyproject.toml'];
  else {
    const lock = await read(path.join(dir, 'uv.lock'));
    const options = asTable(tomlOf(lock?.slice(0, MAX_LOCK_HEAD), MAX_LOCK_HEAD)?.options);
    if (options) {
      parsed = lockCooldown(Object.fromEntries(Object.entries(options).map(([k, v]) => [k, plain(v)])));
      source = "uv.lock's exclude-newer";
    }
  }
  if (parsed?.ok === false) context.problem = `${source}: ${parsed.message}`;
  else if (parsed?.ok && parsed.cooldown !== 'disabled') context.cooldown = { cooldown: parsed.cooldown, source };
  return context;
}

/** The user's minimum age wins over the project's cooldown: it is the one asked for here. */
export function effectiveCooldown(minimumReleaseAge: number | undefined, project: ProjectContext): ProjectContext['cooldown'] {
  const user = minimumAgeCooldown(minimumReleaseAge);
  if (user) return { cooldown: user, source: `pypiStatus.minimumReleaseAge (${minimumReleaseAge} day${minimumReleaseAge === 1 ? '' : 's'})` };
  return project.cooldown;
}

function tomlOf(text: string | undefined, max: number): TomlTable | undefined {
  if (text === undefined || text.length > max) return undefined;
  return readToml(text, { maxErrors: 5 }).root;
}

/** A TOML date-time (an unquoted `exclude-newer = 2025-01-01T00:00:00Z`) as the string uv reads. */
function plain(value: TomlValue): unknown {
  return value instanceof TomlDateTime ? value.text : value;
}
