/**
 * A worker thread of a parallel read (pipeline/parallel.ts): reads its block and posts the
 * result, or the failure as plain data (an Error's class does not cross threads).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../model/errors.js';
import { readBlock, type BlockLinks, type BlockTask } from './block.js';
import type { WorkerReply } from './parallel.js';

const { task, links } = workerData as { task: BlockTask; links: BlockLinks };
let reply: WorkerReply;
try {
  reply = { result: await readBlock(task, links) };
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  reply = { error: { message: failure.message, input: failure instanceof InputError, ...(failure.stack === undefined ? {} : { stack: failure.stack }) } };
}
parentPort!.postMessage(reply);
