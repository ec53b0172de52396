// The import rules of docs/ARCHITECTURE.md, read from the source: no import cycle, core/
// imports nothing of the project, the domain code (services, repositories, SQL, core/, db/)
// never reaches the HTTP layer, Fastify or the composition root, http/ never a module, and
// the HTTP edge of a module never its repositories.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SRC = join(ROOT, "src");

type Import = { from: string; to: string; typeOnly: boolean };

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every static import and re-export of `file`: a project path (src/...) or a package name. */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const found: Import[] = [];
  for (const statement of source.statements) {
    let specifier: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.importClause?.isTypeOnly ?? false;
    } else if (ts.isExportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!specifier || !ts.isStringLiteral(specifier)) continue;
    const name = specifier.text;
    const to = name.startsWith(".")
      ? relative(ROOT, resolve(dirname(file), name.replace(/\.js$/, ".ts")))
      : name;
    found.push({ from: relative(ROOT, file), to, typeOnly });
  }
  return found;
}

const imports = sourceFiles(SRC).flatMap(importsOf);
const project = imports.filter((edge) => edge.to.startsWith("src/") && !edge.to.startsWith("src/generated/"));

/** Services, repositories, SQL, the leaf building blocks and the database layer. */
function isDomain(file: string): boolean {
  if (file.startsWith("src/core/")) return true;
  // seed.ts (and its seed-*.ts parts) is a command-line tool that builds the whole app's services, like src/cli/.
  if (file.startsWith("src/db/")) return !/\/seed(-[a-z]+)?\.ts$/.test(file);
  return /\.(service|repository|sql)\.ts$/.test(file);
}

function cycles(): string[] {
  const next = new Map<string, string[]>();
  for (const edge of project) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const found: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    path.push(file);
    for (const to of next.get(file) ?? []) {
      const start = path.indexOf(to);
      if (start !== -1) found.push([...path.slice(start), to].join(" -> "));
      else if (!done.has(to)) visit(to);
    }
    path.pop();
    done.add(file);
  };
  for (const file of next.keys()) if (!done.has(file)) visit(file);
  return found;
}

describe("the import rules (docs/ARCHITECTURE.md)", () => {
  it("reads the imports it checks", () => {
    expect(project).toContainEqual({
      from: "src/modules/leads/lead.service.ts",
      to: "src/core/errors.ts",
      typeOnly: false,
    });
  });

  it("has no import cycle, type-only imports included", () => {
    expect(cycles()).toEqual([]);
  });

  it("core/ imports nothing of the project", () => {
    expect(project.filter((edge) => edge.from.startsWith("src/core/"))).toEqual([]);
  });

  it("services, repositories, SQL, core/ and db/ never import the HTTP layer, Fastify or the composition root", () => {
    const forbidden = imports.filter(
      (edge) =>
        isDomain(edge.from) &&
        (edge.to.startsWith("src/http/") ||
          /\.(routes|plugin|module)\.ts$/.test(edge.to) ||
          ["src/app.ts", "src/deps.ts", "src/modules/index.ts"].includes(edge.to) ||
          edge.to === "fastify" ||
          edge.to.startsWith("@fastify/") ||
          edge.to.startsWith("fastify-")),
    );
    expect(forbidden).toEqual([]);
  });

  it("http/ never imports a module", () => {
    expect(
      project.filter((edge) => edge.from.startsWith("src/http/") && edge.to.startsWith("src/modules/")),
    ).toEqual([]);
  });

  it("routes, schemas and plugins never reach a repository or the generated Prisma client", () => {
    const edges = imports.filter(
      (edge) =>
        /\.(routes|schemas|plugin)\.ts$/.test(edge.from) &&
        (edge.to.endsWith(".repository.ts") || edge.to.startsWith("src/generated/")),
    );
    expect(edges).toEqual([]);
  });

  it("they take a module's contract (*.schemas.ts) for its types only", () => {
    const valueImports = project.filter(
      (edge) => isDomain(edge.from) && edge.to.endsWith(".schemas.ts") && !edge.typeOnly,
    );
    expect(valueImports).toEqual([]);
  });
});
