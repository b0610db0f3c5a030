/** workspace/executeCommand: Scan Workspace (with progress and cancellation) and Clear Cache. */
import { WorkDoneProgressReporter, type Connection, type WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { CLEAR_CACHE_COMMAND, SCAN_COMMAND, SHOW_DIRECT_DEPENDENCY_COMMAND } from '../protocol.js';
import { showDirectDependency } from './lockNavigation.js';
import type { Session } from '../session/session.js';
import type { WorkspaceScans } from './workspaceScans.js';

export function registerCommands(connection: Connection, session: Session, scans: WorkspaceScans): void {
  connection.onExecuteCommand(async (params, token, workDone) => {
    session.notShutDown();
    await session.ready;
    if (params.command === SCAN_COMMAND) {
      // Progress goes to the client's token when it sent one, else to one the server creates.
      let reporter: WorkDoneProgressReporter | undefined;
      let serverProgress: WorkDoneProgressServerReporter | undefined;
      // (The library has already taken workDoneToken out of params and into `workDone`.)
      if (!WorkDoneProgressReporter.isNullInstance(workDone)) reporter = workDone;
      // A client may decline to create the progress: the scan then runs without one.
      else if (session.capabilities.progressSupport) reporter = serverProgress = await connection.window.createWorkDoneProgress().catch(() => undefined);
      reporter?.begin('PyPI Status: scanning the workspace', 0, 'finding files', true);
      try {
        // Either the request's token or the progress bar's cancel button stops the scan.
        const cancel = new AbortController();
        const stop = () => cancel.abort();
        const listeners = [token.onCancellationRequested(stop), serverProgress?.token.onCancellationRequested(stop)];
        try {
          return await scans.join(cancel.signal, reporter);
        } finally {
          for (const listener of listeners) listener?.dispose();
        }
      } finally {
        reporter?.done();
      }
    }
    if (params.command === SHOW_DIRECT_DEPENDENCY_COMMAND) return showDirectDependency(connection, session, params.arguments);
    if (params.command === CLEAR_CACHE_COMMAND) {
      await session.index.get().cache.clear();
      session.lockAnalyses.clear();
      session.log('cache cleared');
      scans.recheckAll();
    }
    return null;
  });
}
