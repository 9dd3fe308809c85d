/**
 * The entry of an isolated modifier's worker thread (`src/plugin/Isolate.ts`): imports the
 * plugin module named by `workerData.file` (with the `sluice/...` resolution hook), takes its
 * modifier named `workerData.name`, and answers each `Isolate.Call` message by running the
 * plugin's `request` or `response` Effect with the decoded settings the main thread sent. This
 * file is an edge, deliberately: a worker thread is its own program whose only input is a
 * message, so it runs the Effects with `Effect.runPromise` (like `src/cli/main.ts` does for the
 * process).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { parentPort, workerData } from "node:worker_threads"
import { pathToFileURL } from "node:url"
import type { ProxyRequest, ProxyResponse } from "../proxy/Proxy.ts"
import type { Answer, Call } from "./Isolate.ts"
import { isPlugin, type Modifier } from "./Plugin.ts"
import * as Resolve from "./Resolve.ts"

const messageOf = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)

const { file, name } = workerData as { readonly file: string; readonly name: string }

const toAnswer = (id: number, exit: Exit.Exit<unknown, unknown>): Answer => {
  if (Exit.isSuccess(exit)) return { id, ok: true, value: exit.value }
  const cause = exit.cause
  const failure = Cause.findError(cause)
  if (failure._tag === "Success") {
    const e = failure.success as { readonly _tag?: unknown; readonly status?: number; readonly contentType?: string; readonly headers?: Readonly<Record<string, string>> }
    if (e !== null && typeof e === "object" && e._tag === "ModifierError") {
      return {
        id,
        ok: false,
        modifier: { message: messageOf(e), status: e.status, contentType: e.contentType, headers: e.headers === undefined ? undefined : { ...e.headers } }
      }
    }
    return { id, ok: false, reason: "Failed", message: `plugin ${name} failed: ${messageOf(e)}` }
  }
  const defect = Cause.findDefect(cause)
  return { id, ok: false, reason: "Defect", message: `plugin ${name} crashed: ${messageOf(defect._tag === "Success" ? defect.success : Cause.squash(cause))}` }
}

const post = (answer: Answer): void => {
  try {
    parentPort?.postMessage(answer)
  } catch (e) {
    parentPort?.postMessage({ id: answer.id, ok: false, reason: "Failed", message: `plugin ${name}: its answer cannot cross to the gateway thread: ${messageOf(e)}` } satisfies Answer)
  }
}

const main = async (): Promise<void> => {
  Resolve.register()
  const module = (await import(pathToFileURL(file).href)) as { readonly default?: unknown }
  const list: ReadonlyArray<unknown> = Array.isArray(module.default) ? module.default : [module.default]
  const plugin = list.find((p): p is Modifier => isPlugin(p) && p.kind === "modifier" && p.name === name)
  parentPort?.on("message", (call: Call) => {
    const run = (): Effect.Effect<unknown, unknown> => {
      if (plugin === undefined) return Effect.die(`no modifier ${name} in ${file}`)
      if (call.kind === "request") {
        return plugin.request === undefined ? Effect.succeed(call.req) : plugin.request(call.req as ProxyRequest, call.config)
      }
      return plugin.response === undefined
        ? Effect.succeed(call.res)
        : plugin.response(call.res as ProxyResponse, call.req as ProxyRequest, call.config)
    }
    void Effect.runPromise(Effect.exit(Effect.suspend(run))).then((exit) => post(toAnswer(call.id, exit)))
  })
}

void main()
