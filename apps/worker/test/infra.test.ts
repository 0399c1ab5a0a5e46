// infra/ is validated here since no cluster runs in CI: every Kubernetes manifest parses and
// passes the Kubernetes OpenAPI schema (kubernetes-models), the compose file has the services the
// design names, and the Dockerfiles carry what the workers need.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Secret, Service } from 'kubernetes-models/v1';

const infra = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'infra');
const MODELS = { Deployment, StatefulSet, Job, Secret, Service } as const;

type TDoc = {
  apiVersion: string;
  kind: keyof typeof MODELS;
  metadata: { name: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, checked field by field below
  spec?: any;
};

function manifests(): { file: string; doc: TDoc }[] {
  return readdirSync(join(infra, 'k8s'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(infra, 'k8s', file), 'utf8')).map((d) => {
        if (d.errors.length)
          throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
        return { file, doc: d.toJS() as TDoc };
      }),
    );
}

describe('Kubernetes manifests', () => {
  const docs = manifests();
  const find = (kind: string, name: string) =>
    docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name)?.doc;

  it('every document passes the schema of its kind', () => {
    expect(docs.length).toBeGreaterThanOrEqual(7);
    for (const { file, doc } of docs) {
      const Model = MODELS[doc.kind];
      expect(Model, `${file}: unexpected kind ${doc.kind}`).toBeDefined();
      expect(
        () => new Model(doc as never).validate(),
        `${file} ${doc.kind}/${doc.metadata.name}`,
      ).not.toThrow();
    }
  });

  it('the schema check catches a broken manifest', () => {
    const bad = structuredClone(find('Deployment', 'musar-worker')!);
    bad.spec.replicas = 'two';
    expect(() => new Deployment(bad as never).validate()).toThrow();
  });

  it('has web Deployment + Service, GPU workers, PostgreSQL, Secrets and a migrations Job', () => {
    const web = find('Deployment', 'musar-web')!;
    expect(web.spec.template.spec.containers[0].env).toContainEqual({
      name: 'MUSAR_EMBEDDED_RUNNER',
      value: 'off',
    });
    const svc = find('Service', 'musar-web')!;
    expect(svc.spec.selector).toEqual(web.spec.selector.matchLabels);
    const worker = find('Deployment', 'musar-worker')!.spec.template.spec;
    expect(worker.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(worker.containers[0].env).toContainEqual({ name: 'MUSAR_BACKEND', value: 'webgpu' });
    const grace = Number(
      worker.containers[0].env.find(
        (e: { name: string }) => e.name === 'MUSAR_SHUTDOWN_GRACE_SECONDS',
      ).value,
    );
    expect(worker.terminationGracePeriodSeconds).toBeGreaterThan(grace); // the pod outlives the job's grace
    expect(find('StatefulSet', 'musar-postgres')).toBeDefined();
    expect(find('Service', 'musar-postgres')).toBeDefined();
    expect(find('Job', 'musar-migrate')!.spec.template.spec.containers[0].command).toEqual([
      'npm',
      'run',
      'db:migrate',
      '-w',
      '@musar/db',
    ]);
    const secretKeys = Object.keys(
      (find('Secret', 'musar-secrets') as unknown as { stringData: object }).stringData,
    );
    for (const { doc } of docs)
      for (const ref of JSON.stringify(doc).matchAll(
        /"secretKeyRef":\{"name":"musar-secrets","key":"(\w+)"\}/g,
      ))
        expect(secretKeys).toContain(ref[1]);
  });

  it('web and workers get the C2PA signing pair from the secret (production refuses to sign without it)', () => {
    for (const name of ['musar-web', 'musar-worker']) {
      const env = find('Deployment', name)!.spec.template.spec.containers[0].env;
      for (const key of ['MUSAR_C2PA_CERT', 'MUSAR_C2PA_KEY'])
        expect(env, `${name} ${key}`).toContainEqual({
          name: key,
          valueFrom: { secretKeyRef: { name: 'musar-secrets', key } },
        });
    }
    const data = (
      find('Secret', 'musar-secrets') as unknown as { stringData: Record<string, string> }
    ).stringData;
    expect(data.MUSAR_C2PA_CERT).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/,
    );
    expect(data.MUSAR_C2PA_KEY).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/,
    );
  });
});

describe('compose and Dockerfiles', () => {
  it('compose: postgres + migrate + web + 2 workers on one DATABASE_URL', () => {
    const compose = parse(readFileSync(join(infra, 'compose.yaml'), 'utf8'));
    expect(Object.keys(compose.services).sort()).toEqual(['migrate', 'postgres', 'web', 'worker']);
    expect(compose.services.worker.deploy.replicas).toBe(2);
    expect(compose.services.web.environment.MUSAR_EMBEDDED_RUNNER).toBe('off');
    for (const s of ['web', 'worker', 'migrate'])
      expect(compose.services[s].environment.DATABASE_URL).toMatch(/@postgres:5432\/musar$/);
    expect(compose.services.worker.depends_on.migrate.condition).toBe(
      'service_completed_successfully',
    );
    // the signing pair is required (compose refuses to start without it), for web and workers
    for (const s of ['web', 'worker'])
      for (const key of ['MUSAR_C2PA_CERT', 'MUSAR_C2PA_KEY'])
        expect(compose.services[s].environment[key]).toBe(`\${${key}:?set ${key}}`);
  });

  it('the worker image has the Vulkan loader and runs the worker entry', () => {
    const worker = readFileSync(join(infra, 'docker', 'worker.Dockerfile'), 'utf8');
    expect(worker).toMatch(/apt-get install[^\n]*libvulkan1/);
    expect(worker).toContain('"apps/worker/src/main.ts"');
    const web = readFileSync(join(infra, 'docker', 'web.Dockerfile'), 'utf8');
    expect(web).toContain('npm run build -w @musar/web');
  });
});
