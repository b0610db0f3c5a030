/** workspace/didChangeWatchedFiles and didChangeWorkspaceFolders: scanned files follow the disk and the folders. */
import { FileChangeType, type Connection } from 'vscode-languageserver/node';
import { fileKind } from '../core/analyze.js';
import { isScannable } from '../core/workspaceScan.js';
import { lockCandidates } from '../core/lock/view.js';
import { isUnder, uriToPath } from '../paths.js';
import { errorText } from '../session/log.js';
import type { Session } from '../session/session.js';
import type { ScannedFileRefresh } from './scannedFileRefresh.js';
import type { DocumentChecks } from './validation.js';

export function changeFolders(session: Session, refresh: ScannedFileRefresh, added: readonly { uri: string }[], removed: readonly { uri: string }[]): void {
  const gone = removed.map((f) => uriToPath(f.uri)).filter((f): f is string => f !== undefined);
  const folders = session.folders.filter((f) => !gone.includes(f)).concat(added.map((f) => uriToPath(f.uri)).filter((f): f is string => f !== undefined));
  session.folders = folders;
  // The files of a folder that left the workspace leave the Problems panel, unless another folder holds them.
  for (const file of session.scanned.list()) {
    if (gone.some((g) => isUnder(file, g)) && !folders.some((f) => isUnder(file, f))) refresh.forget(file);
  }
}

export function registerWatchedFiles(connection: Connection, session: Session, checks: DocumentChecks, refresh: ScannedFileRefresh): void {
  const { scanned, log } = session;
  const refreshLogged = (file: string) => void refresh.refreshFromDisk(file).catch((e: unknown) => log(`refresh of ${file} failed: ${errorText(e)}`));
  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      const file = uriToPath(change.uri);
      if (!file) continue;
      session.lockAnalyses.forget(file);
      checks.recheckIncluders(file);
      // A lock that changed re-judges the manifests beside it, open or scanned.
      checks.recheckLockedBy(file);
      for (const manifest of scanned.list()) {
        if (!session.documents.atPath(manifest) && lockCandidates(manifest).includes(file)) refreshLogged(manifest);
      }
      // Scanned files that include it: whether their includes can be followed may have changed.
      for (const includer of scanned.includersOf(file)) {
        if (scanned.has(includer)) refreshLogged(includer);
      }
      if (session.documents.atPath(file)) continue; // the editor's text wins while the file is open
      if (change.type === FileChangeType.Deleted) {
        scanned.supersedeRefresh(file); // a scan under way that read it must not publish it
        if (scanned.has(file)) refresh.forget(file);
        // For a deleted folder, clients report the folder alone: the files under it go too. (Every
        // deletion in the workspace comes here: the walk is only for a folder that holds some.)
        else if (scanned.holds(file)) for (const gone of scanned.list()) if (isUnder(gone, file)) refresh.forget(gone);
        if (fileKind(file)) void connection.sendDiagnostics({ uri: change.uri, diagnostics: [] });
        continue;
      }
      // A scanned file may have any name (a `-r common.txt` include); other files count by their names.
      const included = [...scanned.includersOf(file)].some((f) => scanned.has(f));
      if (scanned.has(file) || included) {
        if (!scanned.has(file)) {
          scanned.add(file);
          refresh.watchScannedIncludes();
        }
        refreshLogged(file);
      } else if (fileKind(file) && scanned.size > 0) {
        // Created, or changed while the check of its creation was still running (so not in
        // `scanned` yet): a new file joins the scanned set only if the scan would have found it.
        void isScannable(file, session.folders, session.configuration.exclude())
          .then(async (yes) => {
            if (!yes) return;
            scanned.add(file);
            await refresh.refreshFromDisk(file);
          })
          .catch((e: unknown) => log(`refresh of ${file} failed: ${errorText(e)}`));
      }
    }
  });
}
