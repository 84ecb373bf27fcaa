// The aedes MQTT broker (MQTT 3.1.1) served over WebSocket for SecureMqtt's tests, on 127.0.0.1 only.
//   node server.mjs --ws-port N [--wss-port N --cert FILE --key FILE] [--tcp-port N] [--path /mqtt] [--no-subprotocol]
// --tcp-port also serves plain MQTT over TCP, to compare the transports on one broker.
// --client-ca FILE makes the wss listener require a client certificate issued by that CA (mutual TLS).
// Prints "aedes ready" once every listener is bound. An upgrade to any other path is answered 404 (as a web server
// with one WebSocket route would), so the client's wrong-path error can be tested against a real answer.
// --no-subprotocol makes the server accept the upgrade without selecting "mqtt" (a misconfigured proxy or server).
import net from 'node:net'
import http from 'node:http'
import https from 'node:https'
import fs from 'node:fs'
import { Aedes } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'

const args = process.argv.slice(2)
const option = (name) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const path = option('--path') ?? '/mqtt'
const selectSubprotocol = !args.includes('--no-subprotocol')

const broker = await Aedes.createBroker()
broker.on('clientError', (client, error) => console.log(`client error id=${client?.id ?? '-'} ${error.message}`))
broker.on('connectionError', (client, error) => console.log(`connection error ${error.message}`))
const sockets = new WebSocketServer({
  noServer: true,
  // MQTT over WebSocket negotiates the subprotocol "mqtt" [MQTT-6.0.0-3, MQTT-6.0.0-4].
  handleProtocols: (offered) => (selectSubprotocol && offered.has('mqtt') ? 'mqtt' : false),
  maxPayload: 64 * 1024 * 1024
})
sockets.on('connection', (socket, request) => {
  // What each connection sent, printed when it closes, so tests can see how many WebSocket messages carried how
  // many MQTT packets, and that the client's extra header (X-Test-Id) arrived.
  let messages = 0
  let bytes = 0
  socket.on('message', (data) => { messages++; bytes += data.length })
  socket.on('close', () => console.log(`closed id=${request.headers['x-test-id'] ?? '-'} messages=${messages} bytes=${bytes}`))
  broker.handle(createWebSocketStream(socket), request)
})

function serve (server, port) {
  server.on('upgrade', (request, socket, head) => {
    const requested = new URL(request.url, 'http://localhost').pathname
    if (requested !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request))
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
}

const listening = [serve(http.createServer(), Number(option('--ws-port')))]
if (option('--wss-port')) {
  const tls = { cert: fs.readFileSync(option('--cert')), key: fs.readFileSync(option('--key')) }
  if (option('--client-ca')) {
    Object.assign(tls, { ca: fs.readFileSync(option('--client-ca')), requestCert: true, rejectUnauthorized: true })
  }
  listening.push(serve(https.createServer(tls), Number(option('--wss-port'))))
}
if (option('--tcp-port')) {
  const tcp = net.createServer(broker.handle)
  listening.push(new Promise((resolve) => tcp.listen(Number(option('--tcp-port')), '127.0.0.1', resolve)))
}
await Promise.all(listening)
console.log('aedes ready')
process.on('SIGTERM', () => process.exit(0))
