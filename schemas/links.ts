/** Links into the Temporal Web UI. */

/** The Web UI page of one workflow run. */
export function runUrl(uiUrl: string, namespace: string, workflowId: string, runId: string): string {
  const e = encodeURIComponent;
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${e(namespace)}/workflows/${e(workflowId)}/${e(runId)}/history`;
}
