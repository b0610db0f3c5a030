/**
 * What the rules and fixes need about an open document's place, as a scan finds it: its project's
 * `requires-python` and installer cooldown (core/projectContext.ts), and the names of the projects
 * the workspace builds itself (a dependency the index does not know that is one of them is not missing).
 */
import { promises as fs } from 'node:fs';
import type { FindingContext } from '../core/findings.js';
import { normalizeName } from '../core/pep508.js';
import { effectiveCooldown, projectContext, type ProjectContext } from '../core/projectContext.js';
import type { Settings } from '../core/settings.js';
import { uriToPath } from '../paths.js';
import type { DocumentState, OpenDocuments } from './documents.js';

export class ProjectContexts {
  /** Names the last complete workspace scan found built by a pyproject.toml of the workspace (normalized). */
  private scanned: ReadonlySet<string> = new Set();

  constructor(private readonly documents: OpenDocuments) {}

  /** The project of an open document's file, read once per text of it (the editor's text of an open pyproject.toml first). */
  of(uri: string, state: DocumentState): Promise<ProjectContext> {
    const file = uriToPath(uri);
    if (!file) return Promise.resolve({});
    return (state.project ??= projectContext(file, (f) => this.readText(f)).catch(() => ({})));
  }

  /** The context `findingsFor` takes for an open document. */
  async findingContext(uri: string, state: DocumentState, settings: Settings): Promise<FindingContext> {
    const project = await this.of(uri, state);
    const context: FindingContext = { localProjects: this.localProjects(project) };
    const cooldown = effectiveCooldown(settings.minimumReleaseAge, project);
    if (cooldown) context.cooldown = cooldown;
    return context;
  }

  /** After a scan that ran to its end: the projects its pyproject.toml files build. */
  noteScanned(names: ReadonlySet<string>): void {
    this.scanned = names;
  }

  private localProjects(project: ProjectContext): Set<string> {
    const names = new Set(this.scanned);
    if (project.name !== undefined) names.add(normalizeName(project.name));
    for (const state of this.documents.states.values()) if (state.parsed.project?.name !== undefined) names.add(normalizeName(state.parsed.project.name));
    return names;
  }

  private async readText(file: string): Promise<string | undefined> {
    const open = this.documents.atPath(file)?.getText();
    if (open !== undefined) return open;
    return fs.readFile(file, 'utf8').catch(() => undefined);
  }
}
