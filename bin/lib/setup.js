'use strict';
// postinstall: make sure a Temporal CLI exists for the embedded dev server (cli/postinstall.ts).
require('./entry').load('cli/postinstall');
