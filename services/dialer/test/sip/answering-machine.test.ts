import { AnsweringMachineDetector, detectAnsweringMachine } from '../../src/adapters/sip/answering-machine';
import { amdFixtures } from './amd-fixtures';
import { announcement, audioToolsInstalled, silence, sit, speech, tone } from './test-audio';

/** Unit tests of answering-machine detection on generated audio (espeak-ng, sox), fed as 20 ms RTP payloads. */
const run = audioToolsInstalled || process.env.CI ? describe : describe.skip;
const MAX_MS = 5000;

run('answering-machine detection', () => {
  test('on the labelled set of 40 person and 40 machine calls, at least 90 % are right, and each kind on its own at least 85 %', () => {
    const set = amdFixtures(40);
    expect(set.filter((f) => f.label === 'human')).toHaveLength(40);
    expect(set.filter((f) => f.label === 'machine')).toHaveLength(40);
    const confusion = { human: { human: 0, machine: 0, unknown: 0 }, machine: { human: 0, machine: 0, unknown: 0 } };
    const wrong: string[] = [];
    for (const f of set) {
      const r = detectAnsweringMachine(f.ulaw, { maxMs: MAX_MS });
      confusion[f.label][r.verdict]++;
      if (r.verdict !== f.label) wrong.push(`${f.name} → ${r.verdict} (${r.reason} at ${r.atMs} ms)`);
    }
    // the figures the README quotes
    console.log(`AMD on ${set.length} generated calls: ${JSON.stringify(confusion)}\n${wrong.join('\n')}`);
    const right = confusion.human.human + confusion.machine.machine;
    expect(right / set.length).toBeGreaterThanOrEqual(0.9);
    expect(confusion.human.human / 40).toBeGreaterThanOrEqual(0.85);
    expect(confusion.machine.machine / 40).toBeGreaterThanOrEqual(0.85);
  });

  test('when a person says "Halo?" and waits, then human, decided within about 2 s of the answer', () => {
    const r = detectAnsweringMachine(Buffer.concat([silence(300), speech('Halo?', { voice: 'id' }), silence(4000)]), { maxMs: MAX_MS });
    expect(r).toMatchObject({ verdict: 'human', reason: 'short-greeting' });
    expect(r.atMs).toBeLessThan(2500);
  });

  test('when a long greeting plays, then machine, before the greeting ends', () => {
    const greeting = speech('Halo, anda terhubung dengan kotak suara. Silakan tinggalkan pesan setelah nada berikut.', { voice: 'id' });
    const r = detectAnsweringMachine(Buffer.concat([silence(200), greeting, silence(2000)]), { maxMs: MAX_MS });
    expect(r).toMatchObject({ verdict: 'machine', reason: 'long-greeting' });
    expect(r.atMs).toBeLessThan(200 + greeting.length / 8);
  });

  test('when a beep follows a short greeting, then machine (the beep), and the machine records from the beep’s end', () => {
    const d = new AnsweringMachineDetector({ maxMs: MAX_MS });
    const audio = Buffer.concat([silence(200), speech('Tinggalkan pesan.', { voice: 'id', speed: 200 }), silence(200), tone(1000, 400), silence(600)]);
    for (let i = 0; i + 160 <= audio.length; i += 160) d.push(0, audio.subarray(i, i + 160));
    expect(d.verdict).toBe('machine');
    expect(d.beepHeard).toBe(true);
    expect(d.machineRecording).toBe(true);
  });

  test('when silence or only line noise comes, then unknown at AMD_MAX_MS', () => {
    expect(detectAnsweringMachine(silence(6000), { maxMs: MAX_MS })).toEqual({ verdict: 'unknown', atMs: MAX_MS, reason: 'timeout' });
    const d = new AnsweringMachineDetector({ maxMs: MAX_MS });
    d.push(0, silence(1000));
    expect(d.verdict).toBeNull();
    expect(d.timeout()).toBe('unknown');
  });

  test('when a SIT plays after the answer, then it is no beep (its three tones follow each other); an announcement is a machine’s long speech', () => {
    const r = detectAnsweringMachine(sit('intercept', 200, 400), { maxMs: 2000 });
    expect(r.reason).not.toBe('beep');
    expect(detectAnsweringMachine(announcement(), { maxMs: MAX_MS }).verdict).toBe('machine');
  });

  test('when payloads are not G.711 (telephone-events), then they are ignored', () => {
    const d = new AnsweringMachineDetector({ maxMs: MAX_MS });
    d.push(101, new Uint8Array([1, 0x80, 0, 160]));
    expect(d.heardMs).toBe(0);
  });
});
