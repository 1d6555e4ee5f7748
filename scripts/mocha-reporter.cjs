// The mocha reporter of `npm test`: mocha's own spec reporter for people and
// mocha's own JSON reporter for the count, on the same run. The JSON goes to
// the file named by `--reporter-option output=<file>`; scripts/test.mjs
// counts passes, failures and pending tests from it, never from the text.
'use strict';
const Mocha = require('mocha');

class SpecAndJson extends Mocha.reporters.Base {
  constructor(runner, options) {
    super(runner, options);
    new Mocha.reporters.Spec(runner, options);
    new Mocha.reporters.JSON(runner, options);
  }
}

module.exports = SpecAndJson;
