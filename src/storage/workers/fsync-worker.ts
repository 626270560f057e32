// Piscina worker of the Flusher: one task = one fdatasync of a file descriptor owned by the main thread.
// File descriptors are process-wide, so the number alone crosses the thread boundary; the main thread
// guarantees the descriptor stays open until the task settles (segments wait for pending syncs on close).
import { fdatasyncSync } from 'node:fs'

export default function fsyncTask (task: { fd: number }): void {
  fdatasyncSync(task.fd)
}
