import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { declaredParameters, injectParameters, NotebookDocument, parseOverrides } from './lib';

const notebook = (): NotebookDocument => ({
  cells: [
    { cell_type: 'markdown', source: '# Title', metadata: {} },
    { cell_type: 'code', source: ['let epochs = 100;\n', 'let fontPath = "../data/font.h";\n', 'let layers = [35, 2, 35];\n', 'const fixed = 1;\n'], metadata: { tags: ['parameters'] } },
    { cell_type: 'code', source: 'console.log(epochs);', metadata: {} },
  ],
});

describe('parameter overrides', () => {
  test('values are read as JSON where they are JSON, else as text', () => {
    assert.deepEqual(parseOverrides(['epochs=200', 'lr=0.01', 'layers=[35,10,2,10,35]', 'name=null', 'quick=true', 'fontPath=../x/font.h', 'label="a b"']), {
      epochs: 200, lr: 0.01, layers: [35, 10, 2, 10, 35], name: null, quick: true, fontPath: '../x/font.h', label: 'a b',
    });
  });

  test('malformed overrides are errors that quote the argument', () => {
    assert.throws(() => parseOverrides(['epochs']), /"epochs" is not a parameter override; write name=value/);
    assert.throws(() => parseOverrides(['=3']), /not a parameter override/);
    assert.throws(() => parseOverrides(['2x=3']), /"2x".*not a parameter name/);
    assert.throws(() => parseOverrides(['epochs=']), /epochs has no value/);
    assert.throws(() => parseOverrides(['a=1', 'a=2']), /a is given twice/);
    assert.throws(() => parseOverrides(['layers=[35,2']), /not valid JSON/);
  });

  test('the parameters cell declares the names', () => {
    assert.deepEqual(declaredParameters('let a = 1;\n  let notTop = 2;\nconst b = 3;\nlet c: number | null = null;'), { names: ['a', 'b', 'c'], constants: ['b'] });
  });

  test('injection adds one tagged cell after the parameters cell and leaves the original alone', () => {
    const original = notebook();
    const injected = injectParameters(original, { epochs: 5, layers: [35, 3, 35] }, '01.ipynb');
    assert.equal(original.cells.length, 3);
    assert.equal(injected.cells.length, 4);
    const cell = injected.cells[2];
    assert.deepEqual(cell.metadata?.tags, ['injected-parameters']);
    assert.match(String(cell.source), /epochs = 5;/);
    assert.match(String(cell.source), /layers = \[35,3,35\];/);
    // Injecting again replaces the earlier injection instead of stacking another cell.
    const twice = injectParameters(injected, { epochs: 6 }, '01.ipynb');
    assert.equal(twice.cells.length, 4);
    assert.doesNotMatch(String(twice.cells[2].source), /layers/);
  });

  test('unknown and const parameters are errors naming the notebook and listing what exists', () => {
    assert.throws(() => injectParameters(notebook(), { epoch: 5 }, '01.ipynb'), /01\.ipynb has no parameter epoch; its parameters are: epochs, fontPath, layers, fixed/);
    assert.throws(() => injectParameters(notebook(), { fixed: 5 }, '01.ipynb'), /fixed is declared with const/);
    const untagged = notebook();
    delete untagged.cells[1].metadata;
    assert.throws(() => injectParameters(untagged, {}, 'x.ipynb'), /x\.ipynb has no code cell tagged "parameters"/);
  });
});
