/**
 * docs/API.md documents every exported name: each export of the Node entry
 * (src/api.ts) and of the browser entry (browser/index.ts) has a `## name`
 * heading, and each public member of an exported class a `### Class.member`
 * heading (static members `### Class.member` too). Each documented function
 * or method names its errors or says it has none, and the page holds
 * examples. A new export without documentation fails this test.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Export names and, for classes, their public members, as `Name` and `Name.member`. */
function documentedNames(): string[] {
  const program = ts.createProgram([path.join(root, 'src/api.ts'), path.join(root, 'browser/index.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts', 'lib.es2024.sharedmemory.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
  });
  const checker = program.getTypeChecker();
  const names = new Set<string>();
  for (const entry of ['src/api.ts', 'browser/index.ts']) {
    const source = program.getSourceFile(path.join(root, entry));
    assert.ok(source, entry);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    assert.ok(moduleSymbol, `${entry} is a module`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      names.add(exported.name);
      if (symbol.flags & ts.SymbolFlags.Class) {
        const decl = symbol.valueDeclaration as ts.ClassDeclaration;
        for (const member of decl.members) {
          const name = member.name && ts.isIdentifier(member.name) ? member.name.text : undefined;
          if (!name || ts.isConstructorDeclaration(member)) continue;
          const mods = ts.getCombinedModifierFlags(member as ts.Declaration);
          if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
          if (member.name && ts.isPrivateIdentifier(member.name)) continue;
          if (/@internal/.test(member.getFullText())) continue;
          names.add(`${exported.name}.${name}`);
        }
      }
    }
  }
  return [...names].sort();
}

describe('API documentation (docs/API.md)', () => {
  const doc = fs.readFileSync(path.join(root, 'docs/API.md'), 'utf8');
  const headings = new Set([...doc.matchAll(/^#{2,3} `?([\w.]+)`?/gm)].map((m) => m[1] as string));
  let exported: string[] = [];
  before(function () {
    this.timeout(60000);
    exported = documentedNames();
  });

  it('documents every exported name and every public member of the exported classes', () => {
    const missing = exported.filter((name) => !headings.has(name));
    assert.deepEqual(missing, [], `undocumented: ${missing.join(', ')}`);
  });

  it('documents nothing that is not exported (no stale entries)', () => {
    const names = new Set(exported);
    const stale = [...headings].filter((h) => !names.has(h));
    assert.deepEqual(stale, [], `documented but not exported: ${stale.join(', ')}`);
  });

  it('gives examples', () => {
    assert.ok((doc.match(/```ts/g) ?? []).length >= 8, 'code examples');
  });
});
