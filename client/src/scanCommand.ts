/** The Scan Workspace command: progress with a cancel button, then a summary. */
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LSPErrorCodes, WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import { FINDING_CODES } from '../../server/src/core/codes.js';
import { SCAN_COMMAND, type ScanResponse } from '../../server/src/protocol.js';

/** The summary counts findings about projects and releases (not problems of files), in the order reports list them. */
const FINDING_ORDER = FINDING_CODES;

let nextToken = 0;

export async function scanWithProgress(client: LanguageClient, args: unknown[]): Promise<ScanResponse | undefined> {
  const response = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'PyPI Status: scanning the workspace', cancellable: true },
    async (progress, cancel) => {
      const token = `pypi-status-scan-${process.pid}-${++nextToken}`;
      let done = 0;
      const listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
        if (value.kind !== 'report') return;
        const increment = value.percentage !== undefined ? Math.max(0, value.percentage - done) : undefined;
        if (value.percentage !== undefined) done = Math.max(done, value.percentage);
        progress.report({ message: value.message, ...(increment !== undefined ? { increment } : {}) });
      });
      try {
        return (await client.sendRequest(ExecuteCommandRequest.type, { command: SCAN_COMMAND, arguments: args, workDoneToken: token }, cancel)) as ScanResponse;
      } catch (e) {
        // Cancelled by the user (here, or another scan request this one joined): nothing to report.
        if ((e as { code?: number }).code === LSPErrorCodes.RequestCancelled) return undefined;
        throw e;
      } finally {
        listener.dispose();
      }
    },
  );
  if (response) void showSummary(response);
  return response;
}

export function summaryText(r: ScanResponse): string {
  const parts = FINDING_ORDER.filter((code) => r.findingsByCode[code]).map((code) => `${r.findingsByCode[code]} ${code}`);
  const files = `${r.filesScanned} file${r.filesScanned === 1 ? '' : 's'}`;
  let text = parts.length > 0 ? `${parts.join(', ')} in ${files}` : `No flagged dependencies in ${files} (${r.projects} projects)`;
  if (r.unknownProjects.length > 0) text += `; ${r.unknownProjects.length} projects could not be checked (the index did not answer)`;
  if (r.cancelled) text = `Scan cancelled: ${text}`;
  return text;
}

async function showSummary(r: ScanResponse): Promise<void> {
  const flagged = FINDING_ORDER.some((code) => r.findingsByCode[code]);
  const show = flagged ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const choice = await show(`PyPI Status: ${summaryText(r)}`, 'Open Problems');
  if (choice === 'Open Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
}
