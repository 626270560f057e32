// Piscina worker of the log cleaner: one task = one cleaning of one log (clean-task.ts). Only plain data
// crosses the thread boundary: file paths, offsets, sizes, config numbers and a SharedArrayBuffer-backed
// abort flag in; file paths and numbers out. The segment files are read and the `.cleaned` files written
// here with synchronous I/O (this thread does nothing else); the main thread only swaps the results in.
import { runCleanTask, type CleanResult, type CleanTask } from './clean-task.js'

export default function cleanTask (task: CleanTask): CleanResult {
  return runCleanTask(task)
}
