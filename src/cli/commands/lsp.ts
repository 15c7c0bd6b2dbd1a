/** `flexos lsp`: the language server over stdio (src/lsp); resolves when the client disconnects. */
export async function runLsp(): Promise<number> {
  const { serveStdio } = await import('../../lsp/server.js');
  return serveStdio();
}
