/**
 * The report view and the status bar item. Both read the diagnostics VS Code
 * holds (from open files and from scans), so they can never disagree with the squiggles.
 */
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, type DiagnosticData } from '../../server/src/protocol.js';
import { CODE_INFO, FINDING_CODES, type FindingCode } from '../../server/src/core/codes.js';
import { severityIcon } from './severityIcon';
import type { UncheckedDependencies, UncheckedUse } from './unchecked';

/** The groups of the view: findings about projects and releases, not problems of files. */
const STATUS_CODES: readonly string[] = FINDING_CODES;

interface Finding {
  code: string;
  name: string;
  /** PEP 503 normalized: `haunted.project` and `haunted-project` are one project. */
  key: string;
  uri: vscode.Uri;
  diagnostic: vscode.Diagnostic;
  /** A lock file's package that a direct dependency pulls in: the chain from it. */
  via?: string[];
}

type Node =
  | { kind: 'status'; code: string; findings: Finding[] }
  | { kind: 'package'; code: string; name: string; findings: Finding[]; mixed: boolean }
  | { kind: 'use'; finding: Finding }
  | { kind: 'unchecked'; uses: UncheckedUse[] }
  | { kind: 'uncheckedUse'; use: UncheckedUse };

function codeOf(d: vscode.Diagnostic): string | undefined {
  const code = typeof d.code === 'object' ? d.code.value : d.code;
  return typeof code === 'string' && STATUS_CODES.includes(code) ? code : undefined;
}

/** The language client keeps the server's Diagnostic.data, which names the project as written and normalized, and a lock package's chain. */
function projectOf(d: vscode.Diagnostic): { name: string; key: string; via?: string[] } {
  const data = (d as vscode.Diagnostic & { data?: { [K in keyof DiagnosticData]?: unknown } }).data;
  const name = typeof data?.name === 'string' ? data.name : (d.message.split(/[ :]/)[0] ?? '?');
  const key = typeof data?.normalizedName === 'string' ? data.normalizedName : name.toLowerCase().replace(/[-_.]+/g, '-');
  const lock = data?.lock as { transitive?: unknown; chain?: unknown } | undefined;
  const chain = Array.isArray(lock?.chain) ? lock.chain.filter((c): c is string => typeof c === 'string') : [];
  return lock?.transitive === true ? { name, key, via: chain } : { name, key };
}

/** `line 12`, and for a transitive package `line 12 · via six → pepy`. */
function placeOf(finding: Finding): string {
  const line = `line ${finding.diagnostic.range.start.line + 1}`;
  return finding.via ? `${line} · transitive, via ${finding.via.join(' → ')}` : line;
}

export function currentFindings(): Finding[] {
  const out: Finding[] = [];
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    for (const d of diagnostics) {
      const code = d.source === DIAGNOSTIC_SOURCE ? codeOf(d) : undefined;
      if (code) out.push({ code, ...projectOf(d), uri, diagnostic: d });
    }
  }
  return out;
}

export class ReportProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription = vscode.languages.onDidChangeDiagnostics(() => this.changed.fire(undefined));
  private readonly uncheckedSubscription: vscode.Disposable;

  constructor(private readonly unchecked: UncheckedDependencies) {
    this.uncheckedSubscription = unchecked.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: Node): Node[] {
    const findings = currentFindings();
    if (!node) {
      const groups: Node[] = STATUS_CODES.map((code) => ({ kind: 'status' as const, code, findings: findings.filter((f) => f.code === code) })).filter(
        (n) => n.findings.length > 0,
      );
      // What could not be checked is its own group: a view without findings is not a clean result then.
      const uses = this.unchecked.all();
      if (uses.length > 0) groups.push({ kind: 'unchecked', uses });
      return groups;
    }
    if (node.kind === 'unchecked') return node.uses.map((use) => ({ kind: 'uncheckedUse' as const, use }));
    if (node.kind === 'status') {
      const byName = new Map<string, Finding[]>();
      for (const f of node.findings) byName.set(f.key, [...(byName.get(f.key) ?? []), f]);
      const mixed = new Set(node.findings.map((f) => f.diagnostic.severity)).size > 1;
      return [...byName.values()]
        .map((list) => ({ kind: 'package' as const, code: node.code, name: list[0]!.name, findings: list, mixed }))
        .sort((a, b) => a.name.localeCompare(b.name));
    }
    if (node.kind === 'package') return node.findings.map((finding) => ({ kind: 'use' as const, finding }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'unchecked' || node.kind === 'uncheckedUse') return uncheckedItem(node);
    if (node.kind === 'status') {
      const info = CODE_INFO[node.code as FindingCode];
      const item = new vscode.TreeItem(info.label, vscode.TreeItemCollapsibleState.Expanded);
      item.description = String(new Set(node.findings.map((f) => f.key)).size);
      item.iconPath = new vscode.ThemeIcon(severityIcon(node.findings.map((f) => f.diagnostic.severity)));
      return item;
    }
    if (node.kind === 'package') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
      const transitive = node.findings.filter((f) => f.via).length;
      item.description = `${node.findings.length} use${node.findings.length === 1 ? '' : 's'}${transitive === 0 ? '' : transitive === node.findings.length ? ', transitive' : `, ${transitive} transitive`}`;
      item.tooltip = node.findings[0]!.diagnostic.message;
      // Where one group's findings differ in severity (a direct dependency's `transitive` is as severe
      // as what it pulls in), each dependency says how severe its own are.
      item.iconPath = new vscode.ThemeIcon(node.mixed ? severityIcon(node.findings.map((f) => f.diagnostic.severity)) : 'package');
      return item;
    }
    const { finding } = node;
    const item = new vscode.TreeItem(vscode.workspace.asRelativePath(finding.uri), vscode.TreeItemCollapsibleState.None);
    item.description = placeOf(finding);
    item.tooltip = finding.diagnostic.message;
    item.resourceUri = finding.uri;
    item.command = { title: 'Open', command: 'vscode.open', arguments: [finding.uri, { selection: finding.diagnostic.range }] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.uncheckedSubscription.dispose();
    this.changed.dispose();
  }
}

function uncheckedItem(node: Extract<Node, { kind: 'unchecked' | 'uncheckedUse' }>): vscode.TreeItem {
  if (node.kind === 'unchecked') {
    const item = new vscode.TreeItem('Not checked', vscode.TreeItemCollapsibleState.Expanded);
    item.description = String(node.uses.length);
    item.tooltip = 'Dependencies the index could not be asked about: their status is unknown, not clean.';
    item.iconPath = new vscode.ThemeIcon('question');
    return item;
  }
  const { use } = node;
  const item = new vscode.TreeItem(use.name, vscode.TreeItemCollapsibleState.None);
  item.description = `${vscode.workspace.asRelativePath(use.uri)}:${use.range.start.line + 1} · ${use.reason}`;
  item.tooltip = `${use.name} was not checked: ${use.reason}`;
  item.resourceUri = use.uri;
  item.command = {
    title: 'Open',
    command: 'vscode.open',
    arguments: [use.uri, { selection: new vscode.Range(use.range.start.line, use.range.start.character, use.range.end.line, use.range.end.character) }],
  };
  return item;
}

export function createStatusBar(scanCommand: string, unchecked: UncheckedDependencies): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('pypiStatus.flagged', vscode.StatusBarAlignment.Left, 50);
  item.name = 'PyPI Status';
  item.command = scanCommand;
  const update = () => {
    const findings = currentFindings();
    const lines = (list: Finding[]) => new Set(list.map((f) => `${f.uri.toString()}#${f.diagnostic.range.start.line}`)).size;
    // Packages a lock file says a direct dependency pulls in are counted apart from the direct ones.
    const transitive = lines(findings.filter((f) => f.via));
    const packages = lines(findings.filter((f) => !f.via));
    const severe = findings.some((f) => f.code === 'quarantined');
    const notChecked = unchecked.all().length;
    const counts = [
      packages > 0 ? `${packages} flagged` : '',
      transitive > 0 ? `${transitive} transitive` : '',
      notChecked > 0 ? `${notChecked} unchecked` : '',
    ]
      .filter((s) => s !== '')
      .join(', ');
    const flagged = packages + transitive;
    item.text = counts === '' ? '$(package) PyPI' : `$(${severe ? 'error' : flagged > 0 ? 'warning' : 'question'}) ${counts}`;
    item.tooltip =
      (flagged === 0
        ? 'PyPI Status: no flagged dependency in what was checked.'
        : `PyPI Status: ${packages} flagged direct dependencies${transitive > 0 ? `, ${transitive} flagged transitive ones (from lock files)` : ''}.`) +
      (notChecked > 0 ? ` ${notChecked} could not be checked (see the PyPI Status view).` : '') +
      ' Click to scan the workspace.';
    item.backgroundColor = severe
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : flagged > 0
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
    item.show();
  };
  update();
  const subscription = vscode.languages.onDidChangeDiagnostics(update);
  const uncheckedSubscription = unchecked.onDidChange(update);
  return { dispose: () => (subscription.dispose(), uncheckedSubscription.dispose(), item.dispose()) };
}
