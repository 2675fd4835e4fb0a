/**
 * The deployment files (item 9 of the hardening issue): no default credentials, the broker's
 * management UI not published, only the gateway reachable from outside, and in Kubernetes only the
 * gateway (and Prometheus) reaching the services' ports.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const root = join(__dirname, '..');
const composeInstalled = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
// like SIPp: skipped on a machine without docker-compose, but CI (.ci/run installs it) must run it
const withCompose = composeInstalled || process.env.CI ? describe : describe.skip;

const SECRETS = { INTERNAL_TOKEN: 'it-internal-0123456789abcdef', ADMIN_TOKEN: 'it-admin-0123456789', POSTGRES_PASSWORD: 'pgsecret0123', RABBITMQ_USER: 'autocall', RABBITMQ_PASSWORD: 'mqsecret0123' };

function composeConfig(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in SECRETS))) as Record<string, string>;
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: root, env: { ...clean, ...env }, encoding: 'utf8' });
}

withCompose('docker-compose.yml', () => {
  it('when every secret is given, then only the gateway publishes a port and no credential is a default', () => {
    const res = composeConfig(SECRETS);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.status).toBe(0);
    const config = parse(res.stdout) as { services: Record<string, { ports?: unknown[]; environment?: Record<string, string> }> };
    const published = Object.entries(config.services).filter(([, s]) => s.ports?.length).map(([name]) => name);
    expect(published).toEqual(['gateway']);
    expect(res.stdout).not.toMatch(/15672/);
    expect(res.stdout).not.toMatch(/guest/);
    expect(config.services.postgres.environment?.POSTGRES_PASSWORD).toBe(SECRETS.POSTGRES_PASSWORD);
    expect(config.services.rabbitmq.environment).toMatchObject({ RABBITMQ_DEFAULT_USER: 'autocall', RABBITMQ_DEFAULT_PASS: SECRETS.RABBITMQ_PASSWORD });
    for (const name of ['gateway', 'task', 'roster', 'recording', 'sms', 'dialer', 'events']) {
      expect(config.services[name].environment).toMatchObject({
        DATABASE_URL: `postgres://postgres:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/autocall`,
        AMQP_URL: `amqp://autocall:${SECRETS.RABBITMQ_PASSWORD}@rabbitmq:5672`,
      });
    }
  });

  it.each(['POSTGRES_PASSWORD', 'RABBITMQ_USER', 'RABBITMQ_PASSWORD', 'INTERNAL_TOKEN'])('when %s is not set, then it refuses, naming it', (name) => {
    const env: Record<string, string> = { ...SECRETS };
    delete env[name];
    const res = composeConfig(env);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(name);
  });
});

describe('deploy/k8s/autocall.yaml', () => {
  const docs = parseAllDocuments(readFileSync(join(root, 'deploy/k8s/autocall.yaml'), 'utf8')).map((d) => d.toJS());
  const of = (kind: string) => docs.filter((d) => d.kind === kind);
  const parts = { gateway: 8080, task: 3001, roster: 3002, recording: 3003, sms: 3004, dialer: 3005, events: 3006 };

  it('when a pod starts, then its database, broker and internal token come from the Secret with no fallback', () => {
    expect(of('Deployment').map((d) => d.metadata.name).sort()).toEqual(Object.keys(parts).sort());
    for (const d of of('Deployment')) {
      const env = d.spec.template.spec.containers[0].env as { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
      for (const key of ['DATABASE_URL', 'AMQP_URL', 'INTERNAL_TOKEN']) {
        const e = env.find((x) => x.name === key);
        expect([d.metadata.name, e?.valueFrom?.secretKeyRef]).toEqual([d.metadata.name, { name: 'autocall', key }]);
      }
    }
    expect(JSON.stringify(docs)).not.toMatch(/guest|postgres:postgres/);
  });

  it('when anything but the gateway or Prometheus connects to a service port, then a NetworkPolicy refuses it', () => {
    const policies = new Map(of('NetworkPolicy').map((p) => [p.spec.podSelector.matchLabels.app as string, p]));
    expect([...policies.keys()].sort()).toEqual(Object.keys(parts).sort());
    for (const [name, port] of Object.entries(parts)) {
      const p = policies.get(name);
      expect(p.spec.policyTypes).toEqual(['Ingress']);
      const tcp = p.spec.ingress.filter((r: any) => r.ports.some((x: any) => x.protocol === 'TCP'));
      expect(tcp).toHaveLength(1);
      expect(tcp[0].ports).toEqual([{ port, protocol: 'TCP' }]);
      const from = tcp[0].from.map((f: any) => f.podSelector?.matchLabels.app ?? `ns:${f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`).sort();
      const expected = name === 'gateway' ? ['ns:ingress-nginx', 'ns:monitoring'] : name === 'recording' ? ['dialer', 'gateway', 'ns:monitoring'] : ['gateway', 'ns:monitoring'];
      expect([name, from]).toEqual([name, expected]);
      // anything else open is UDP for the dialer's SIP and RTP
      for (const r of p.spec.ingress.filter((x: any) => !tcp.includes(x))) {
        expect([name, r.ports.every((x: any) => x.protocol === 'UDP')]).toEqual(['dialer', true]);
      }
    }
  });

  it('when the gateway reads X-Forwarded-For, then it trusts only the pod range its NetworkPolicy admits the ingress from', () => {
    const trust = of('ConfigMap')[0].data.TRUST_PROXY as string;
    expect(trust).not.toBe('true');
    expect(trust).not.toBe('10.0.0.0/8');
    expect(trust).toMatch(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2\d|3[0-2])$/);
  });
});
