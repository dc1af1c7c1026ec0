/**
 * What a worker keeps of each sweep between activities: its workspace (the out, or a scratch
 * mirror of a store), the archived script's text, the per-run context and the GMAT install.
 * Each is read from the out once per process and sweep, so a run costs no file reads for
 * them.
 */
import { resolveInstall, type WorkerEngineConfig } from '../gmat/engine';
import { GmatNotFoundError, type GmatInstall } from '../gmat/install';
import { CONTEXT_NAME, scriptKey } from '../output/layout';
import { Workspace } from '../output/workspace';
import { RUN_FAILURE_TYPES, type ContextFile, type SweepContext } from '../sweep/types';
import { nonRetryable } from './support';

export class SweepFiles {
  private readonly workspaces = new Map<string, Workspace>();
  private readonly scripts = new Map<string, string>();
  private readonly contexts = new Map<string, ContextFile>();
  private readonly installs = new Map<string, GmatInstall>();

  constructor(
    private readonly config: WorkerEngineConfig,
    /** Where runs of an object-store out execute (ActivityResources.scratch). */
    private readonly scratch?: string,
  ) {}

  /** This process's view of the sweep's out: the directory itself, or a scratch mirror of a store. */
  workspaceOf(context: SweepContext): Workspace {
    let ws = this.workspaces.get(context.outDir);
    if (!ws) {
      ws = Workspace.open(context.outDir, this.scratch);
      this.workspaces.set(context.outDir, ws);
    }
    return ws;
  }

  /**
   * The archived script's text. Keyed by its hash too: a later sweep in the same out (a
   * resume, a new sweep after the out was emptied) never gets an earlier one's text.
   */
  async scriptText(context: SweepContext): Promise<string> {
    const ws = this.workspaceOf(context);
    const key = scriptKey(context.scriptName);
    const cacheKey = `${ws.store.url}\0${key}\0${context.scriptSha256}`;
    let text = this.scripts.get(cacheKey);
    if (text === undefined) {
      const bytes = await ws.store.get(key);
      if (!bytes) {
        throw nonRetryable(RUN_FAILURE_TYPES.badInput, `${ws.store.url}/${key} is missing; the sweep's script was removed from the out after it started (start the sweep again)`);
      }
      text = bytes.toString('utf8');
      this.scripts.set(cacheKey, text);
    }
    return text;
  }

  /** Reads context.json once per process and sweep (nothing when the sweep has none). */
  async loadContext(context: SweepContext): Promise<void> {
    if (!context.hasContext) return;
    const ws = this.workspaceOf(context);
    const cacheKey = `${ws.store.url}\0${context.sweepId}`;
    if (this.contexts.has(cacheKey)) return;
    const bytes = await ws.store.get(CONTEXT_NAME);
    if (!bytes) {
      throw nonRetryable(RUN_FAILURE_TYPES.badInput, `${ws.store.url}/${CONTEXT_NAME} is missing; the sweep's per-run context was removed after it started`);
    }
    this.contexts.set(cacheKey, JSON.parse(bytes.toString('utf8')) as ContextFile);
  }

  /** context.json as loadContext read it; `{}` for a sweep without one. */
  contextFileOf(context: SweepContext): ContextFile {
    if (!context.hasContext) return {};
    return this.contexts.get(`${this.workspaceOf(context).store.url}\0${context.sweepId}`) ?? {};
  }

  /** The context of one run: its own, else the shared one, else `{}`. */
  contextOf(context: SweepContext, runId: number): Record<string, unknown> {
    const data = this.contextFileOf(context);
    return data.runs?.[runId] ?? data.shared ?? {};
  }

  installFor(context: SweepContext): GmatInstall {
    const key = JSON.stringify(context.engine);
    let install = this.installs.get(key);
    if (!install) {
      try {
        install = resolveInstall(context.engine, this.config);
      } catch (err) {
        if (err instanceof GmatNotFoundError) throw nonRetryable(RUN_FAILURE_TYPES.notFound, err.message);
        throw err;
      }
      this.installs.set(key, install);
    }
    return install;
  }
}
