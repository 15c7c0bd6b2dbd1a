export async function serveStdio(): Promise<number> { throw new Error("todo"); }
