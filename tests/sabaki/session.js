// Drives `distill gtp` with Sabaki's own GTP layer (@sabaki/gtp 3.0.0: the Controller and
// ControllerStateTracker that the Sabaki app uses to start, sync and query engines) and
// prints one JSON object with what came back. Run by tests/test_gtp_sabaki.py:
//   node session.js PYTHON [distill gtp arguments...]
const {Command, ControllerStateTracker} = require('@sabaki/gtp')

const [python, ...gtpArgs] = process.argv.slice(2)
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function analyse(controller, name, ms) {
  // Sabaki streams an analysis with a subscriber and stops it by sending the next command
  const lines = []
  const done = controller.sendCommand({name, args: ['B', '50']}, ({line}) => lines.push(line))
  await sleep(ms)
  const interrupt = await controller.sendCommand({name: 'protocol_version'})
  const response = await done
  return {error: response.error, lines, interrupt: interrupt.content}
}

async function main() {
  const tracker = ControllerStateTracker.fromController(python, ['-m', 'distill.cli', 'gtp', ...gtpArgs])
  const controller = tracker.controller
  const stderr = []
  const sent = []
  controller.on('stderr', ({content}) => stderr.push(content))
  controller.on('command-sent', ({command}) => sent.push(Command.toString(command)))
  controller.start()
  const out = {}
  const ask = async name => (await tracker.queueCommand({name})).content
  out.name = await ask('name')
  out.version = await ask('version')
  const play = (color, vertex) => ({name: 'play', args: [color, vertex]})
  const opening = [play('B', 'E5'), play('W', 'C3'), play('B', 'G7')]
  await tracker.sync({komi: 6.5, boardsize: [9, 9], history: opening})
  out.afterSync = await ask('showboard')
  out.lz = await analyse(controller, 'lz-analyze', 1500)
  out.kata = await analyse(controller, 'kata-analyze', 1500)
  // the user takes back G7 and plays C7 instead: the tracker undoes and replays
  await tracker.sync({komi: 6.5, boardsize: [9, 9], history: [...opening.slice(0, 2), play('B', 'C7')]})
  out.afterUndo = await ask('showboard')
  out.syncedHistory = tracker.state.history.map(c => c.args.join(' '))
  const genmove = await tracker.queueCommand({name: 'genmove', args: ['W']})
  out.genmove = {error: genmove.error, content: genmove.content}
  out.afterGenmove = await ask('showboard')
  await controller.stop()
  out.stderr = stderr
  out.sent = sent
  console.log(JSON.stringify(out))
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
