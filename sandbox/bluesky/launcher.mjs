// Bluesky's own reference servers (PLC, PDS, AppView) for the local sandbox, in one Node process.
//
// Started by sandbox/bluesky.py, which owns everything around it: the throw-away
// PostgreSQL cluster (DB_POSTGRES_URL), the run folder (TMPDIR, where the PDS writes its data and
// blobs) and the ports. This file only starts the network, creates the demo accounts, answers a
// small control endpoint on loopback, and prints one JSON line {"event": "ready", ...} on stdout.
//
// Control endpoint (loopback only):
//   POST /process   -> network.processAll(): the AppView indexes asynchronously, so tests call
//                      this after writes instead of polling
//   GET  /accounts  -> the demo accounts (handle, did, password, appPassword)
//   POST /stop      -> closes the network and exits
import http from 'node:http'
import { TestNetwork } from '@atproto/dev-env'

const env = process.env
const port = (name, fallback) => Number(env[name] || fallback)
const PLC_PORT = port('AGORA_SANDBOX_PLC_PORT', 2582)
const PDS_PORT = port('AGORA_SANDBOX_PDS_PORT', 2583)
const APPVIEW_PORT = port('AGORA_SANDBOX_APPVIEW_PORT', 2584)
const CONTROL_PORT = port('AGORA_SANDBOX_CONTROL_PORT', 2585)
// "handle:Display name:role" entries, separated by commas; passwords are generated here.
const ACCOUNTS = (env.AGORA_SANDBOX_ACCOUNTS || 'velosboreal.test:Vélos Boréal:brand')
  .split(',')
  .map((entry) => {
    const [handle, displayName, role] = entry.split(':')
    return { handle, displayName: displayName || handle, role: role || 'reader' }
  })

// TestNetwork asserts REDIS_HOST is set but nothing connects to it.
env.REDIS_HOST ||= 'unused.invalid'

const log = (...args) => console.error(new Date().toISOString(), ...args)

const randomPassword = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => b.toString(16).padStart(2, '0')).join('')

async function createAccounts(network) {
  const accounts = []
  for (const { handle, displayName, role } of ACCOUNTS) {
    const agent = network.pds.getAgent()
    const password = randomPassword()
    const name = handle.split('.')[0]
    const { data } = await agent.createAccount({ handle, password, email: `${name}@example.test` })
    await agent.com.atproto.repo.putRecord({
      repo: data.did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName },
    })
    // An app password is what a real deployment gives the tools; the PDS here supports them.
    let appPassword = null
    try {
      const res = await agent.com.atproto.server.createAppPassword({ name: 'agora-sandbox' })
      appPassword = res.data.password
    } catch (err) {
      log(`createAppPassword failed for ${handle}, the password will be used instead:`, err.message)
    }
    accounts.push({ handle, did: data.did, displayName, role, password, appPassword })
  }
  return accounts
}

function serveControl(network, accounts, stop) {
  const server = http.createServer(async (req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    try {
      if (req.method === 'POST' && req.url === '/process') {
        const started = Date.now()
        await network.processAll()
        return reply(200, { ok: true, ms: Date.now() - started })
      }
      if (req.method === 'GET' && req.url === '/accounts') return reply(200, accounts)
      if (req.method === 'POST' && req.url === '/stop') {
        reply(200, { ok: true })
        return stop('POST /stop')
      }
      return reply(404, { error: 'NotFound', message: `${req.method} ${req.url}` })
    } catch (err) {
      log('control endpoint failed:', err)
      return reply(500, { error: 'InternalError', message: String(err?.message || err) })
    }
  })
  server.listen(CONTROL_PORT, '127.0.0.1')
  return server
}

async function main() {
  const started = Date.now()
  const network = await TestNetwork.create({
    dbPostgresSchema: 'agora',
    plc: { port: PLC_PORT },
    pds: { port: PDS_PORT, hostname: 'localhost', enableDidDocWithSession: true },
    bsky: { port: APPVIEW_PORT, publicUrl: `http://localhost:${APPVIEW_PORT}` },
  })
  const accounts = await createAccounts(network)
  await network.processAll()

  let stopping = false
  const stop = async (why) => {
    if (stopping) return
    stopping = true
    log(`stopping (${why})`)
    control.close()
    // Everything is thrown away after this, so a slow close is not worth waiting for.
    await Promise.race([network.close().catch(() => {}), new Promise((r) => setTimeout(r, 3000))])
    process.exit(0)
  }
  const control = serveControl(network, accounts, stop)
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))

  console.log(
    JSON.stringify({
      event: 'ready',
      seconds: (Date.now() - started) / 1000,
      pds: `http://localhost:${PDS_PORT}`,
      appview: `http://localhost:${APPVIEW_PORT}`,
      plc: `http://localhost:${PLC_PORT}`,
      control: `http://127.0.0.1:${CONTROL_PORT}`,
      accounts,
    }),
  )
}

main().catch((err) => {
  log('the Bluesky network could not start:', err)
  console.log(JSON.stringify({ event: 'failed', message: String(err?.message || err) }))
  process.exit(1)
})
