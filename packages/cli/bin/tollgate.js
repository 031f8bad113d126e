#!/usr/bin/env node
// The CLI runs its compiled JavaScript; `npm install` (or `npm run build`) writes bundle/.
import '../bundle/main.js'
