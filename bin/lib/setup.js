'use strict';
// postinstall: make sure a Temporal CLI exists for the embedded dev server (client/setup.ts).
require('./entry').load('client/setup');
