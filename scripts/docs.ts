/**
 * The API reference: reads the JSDoc of every export of `src/index.ts` (and of the members of
 * the namespaces it exports) with the TypeScript 5 compiler API (`typescript5`; TypeDoc needs a
 * TypeScript 5 peer that cannot sit next to the project's TypeScript 7) and writes
 * `docs/api.md`. `--check` writes nothing and lists the exports without JSDoc or without an
 * `@example`; it exits 1 when one of `--strict <Name>` namespaces has a gap.
 *
 *   npm run docs            # writes docs/api.md
 *   npm run docs -- --check # coverage report
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import ts from "typescript5"

const root = new URL("../", import.meta.url).pathname

/** One documented export. */
export interface Entry {
  readonly name: string
  readonly kind: string
  readonly signature: string
  readonly doc: string
  readonly examples: ReadonlyArray<string>
}

/** A top-level export, with its members when it is a namespace. */
export interface Section extends Entry {
  readonly members: ReadonlyArray<Entry>
}

const kindOf = (symbol: ts.Symbol): string => {
  const f = symbol.flags
  if (f & ts.SymbolFlags.Class) return "class"
  if (f & ts.SymbolFlags.Interface) return "interface"
  if (f & ts.SymbolFlags.TypeAlias) return "type"
  if (f & ts.SymbolFlags.Function) return "function"
  if (f & ts.SymbolFlags.Variable) return "const"
  if (f & ts.SymbolFlags.ValueModule) return "namespace"
  return "export"
}

const text = (parts: ReadonlyArray<ts.SymbolDisplayPart> | undefined): string => ts.displayPartsToString(parts ? [...parts] : [])

const declarationDoc = (symbol: ts.Symbol): string => {
  const first = symbol.declarations?.[0]
  // `export * as X from "..."`: the JSDoc sits before `export`, on the export declaration.
  const declaration = first !== undefined && ts.isNamespaceExport(first) ? first.parent : first
  if (declaration === undefined) return ""
  const source = declaration.getSourceFile()
  const ranges = ts.getLeadingCommentRanges(source.text, declaration.getFullStart()) ?? []
  const last = ranges.at(-1)
  return last === undefined ? "" : source.text.slice(last.pos, last.end)
}

const commentText = (comment: string): string =>
  comment.replace(/^\/\*\*\s?/, "").replace(/\*\/$/, "").split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n").trim()

/** A JSDoc comment's text and its `@example` blocks (other tags dropped). */
const splitDoc = (comment: string): { readonly doc: string; readonly examples: ReadonlyArray<string> } => {
  if (comment === "") return { doc: "", examples: [] }
  const [body = "", ...tags] = commentText(comment).split(/^@/m)
  const examples = tags.filter((t) => t.startsWith("example")).map((t) => t.slice("example".length).trim())
  return { doc: body.trim(), examples }
}

/** The leading JSDoc of a module file: its text and its `@example` blocks (`@since` dropped). */
const moduleHeader = (symbol: ts.Symbol): { readonly doc: string; readonly examples: ReadonlyArray<string> } => {
  const source = symbol.declarations?.find(ts.isSourceFile)
  const match = source === undefined ? null : /^\s*(\/\*\*[\s\S]*?\*\/)/.exec(source.text)
  return splitDoc(match === null ? "" : match[1]!)
}

/** Reads the exports of `src/index.ts`. */
export const read = (): ReadonlyArray<Section> => {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: () => undefined
  })
  const entry = join(root, "src/index.ts")
  const program = ts.createProgram([entry], { ...config?.options, noEmit: true })
  const checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!
  const resolve = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)
  const describe = (exported: ts.Symbol): Entry => {
    const symbol = resolve(exported)
    const sources = exported === symbol ? [symbol] : [exported, symbol]
    const own = sources.flatMap((s) => s.getDocumentationComment(checker))
    const tags = sources.flatMap((s) => s.getJsDocTags(checker))
    const examples = tags.filter((t) => t.name === "example").map((t) => text(t.text).trim())
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0]
    const signature = declaration === undefined || !["const", "function"].includes(kindOf(symbol))
      ? ""
      : checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, declaration), undefined, ts.TypeFormatFlags.NoTruncation)
    if (kindOf(symbol) === "namespace") {
      const header = moduleHeader(symbol)
      const own = splitDoc(declarationDoc(exported))
      return { name: exported.name, kind: "namespace", signature, doc: [own.doc, header.doc].filter((d) => d !== "").join("\n\n"), examples: [...own.examples, ...header.examples] }
    }
    return { name: exported.name, kind: kindOf(symbol), signature, doc: text(own).trim(), examples }
  }
  return checker.getExportsOfModule(module).map((exported) => {
    const symbol = resolve(exported)
    const members = kindOf(symbol) === "namespace"
      ? checker.getExportsOfModule(symbol).filter((m) => m.name !== "default").map(describe)
      : []
    return { ...describe(exported), members }
  })
}

const render = (sections: ReadonlyArray<Section>): string => {
  const entry = (e: Entry, level: string) =>
    [
      `${level} \`${e.name}\` (${e.kind})`,
      "",
      e.doc,
      ...(e.signature === "" || e.kind === "interface" || e.kind === "class" ? [] : ["", "```ts", `${e.name}: ${e.signature}`, "```"]),
      ...e.examples.map((x) => `\n**Example**\n\n${x.includes("```") ? x : `\`\`\`ts\n${x}\n\`\`\``}`),
      ""
    ].join("\n")
  return [
    "# Sluice API reference",
    "",
    "Generated from the JSDoc of `src/index.ts` by `npm run docs` (do not edit by hand).",
    "See [the library guide](library.md) for a tour.",
    "",
    ...sections.map((s) => [entry(s, "##"), ...s.members.map((m) => entry(m, "###"))].join("\n"))
  ].join("\n")
}

/** Exports without JSDoc or without an example, as `Namespace.member` names. */
export const gaps = (sections: ReadonlyArray<Section>) =>
  sections.flatMap((s) => [
    ...(s.doc === "" ? [{ name: s.name, missing: "JSDoc" }] : s.examples.length === 0 ? [{ name: s.name, missing: "@example" }] : []),
    ...s.members.flatMap((m) =>
      m.doc === "" ? [{ name: `${s.name}.${m.name}`, missing: "JSDoc" }]
        : m.examples.length === 0 ? [{ name: `${s.name}.${m.name}`, missing: "@example" }]
        : []
    )
  ])

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const args = process.argv.slice(2)
  const sections = read()
  if (args.includes("--check")) {
    const strict = args.flatMap((a, i) => (args[i - 1] === "--strict" ? [a] : []))
    const found = gaps(sections)
    for (const g of found) console.log(`${g.name}: no ${g.missing}`)
    const failing = found.filter((g) => strict.some((s) => g.name === s || g.name.startsWith(`${s}.`)))
    console.log(`${found.length} gaps (${failing.length} in strict namespaces)`)
    process.exitCode = failing.length > 0 ? 1 : 0
  } else {
    writeFileSync(join(root, "docs/api.md"), render(sections))
    console.log(`docs/api.md: ${sections.length} exports`)
  }
}
