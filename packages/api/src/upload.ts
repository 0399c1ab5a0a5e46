// POST /api/subjects/upload (multipart) — reference-image uploads too big for a tRPC JSON body
// (the endpoint caps bodies at 1 MiB; photos are often larger). Fields: name, kind, classWord,
// images (1–8 files) to create a subject; or subjectId + images (one file) to add an image.
// Before a byte of the body is read: the Origin must be the dashboard's (a cross-site form post
// is refused) and the session must hold a subject capability; then the body — chunked or not — is
// read up to MAX_UPLOAD_BYTES and refused beyond. The files go to the same tRPC procedures through
// a server-side caller, so the role guard, the input validation and the image rules (8 MiB,
// 40 MP, decoded safely) are the procedures' own.
import { z } from 'zod';
import { readCappedBody, roleCan, withBody, type Auth } from '@musar/auth';
import type { Db } from '@musar/db';
import { createContext } from './context';
import { createCaller } from './root';
import { trpcErrorResponse } from './http-errors';

/** 8 images of at most 8 MiB each, plus the form's overhead. */
export const MAX_UPLOAD_BYTES = 8 * 8 * 1024 * 1024 + 64 * 1024;

const ZUploadFields = z.object({
  subjectId: z.string().max(100).optional(),
  name: z.string().max(10_000).default(''),
  kind: z.string().max(100).default(''),
  classWord: z.string().max(10_000).default(''),
});

const refuse = async (req: Request, status: number, error: string) => {
  await req.body?.cancel().catch(() => undefined);
  return Response.json({ error }, { status });
};

/** The origins allowed to post: those given, else the request URL's own. */
export function originAllowed(req: Request, allowedOrigins: readonly string[] = []): boolean {
  const origin = req.headers.get('origin');
  if (!origin) return false;
  const allowed = allowedOrigins.length ? allowedOrigins : [new URL(req.url).origin];
  return allowed.some((a) => {
    try {
      return new URL(a).origin === origin;
    } catch {
      return false;
    }
  });
}

export async function handleSubjectUpload(
  req: Request,
  deps: { db: Db; auth: Auth; allowedOrigins?: readonly string[] },
): Promise<Response> {
  if (req.method !== 'POST') return refuse(req, 405, 'Method not allowed');
  if (!originAllowed(req, deps.allowedOrigins))
    return refuse(req, 403, 'Cross-origin upload refused');
  const ctx = await createContext({ db: deps.db, auth: deps.auth, headers: req.headers });
  if (!ctx.session) return refuse(req, 401, 'Sign in first');
  const role = ctx.session.user.role;
  if (
    ctx.session.user.banned ||
    !(roleCan(role, { subject: ['create'] }) || roleCan(role, { subject: ['update'] }))
  )
    return refuse(req, 403, 'Your role may not upload subject images');
  if (!/^multipart\/form-data\b/i.test(req.headers.get('content-type') ?? ''))
    return refuse(req, 400, 'Expected multipart/form-data');
  const body = await readCappedBody(req, MAX_UPLOAD_BYTES);
  if (!body.ok)
    return Response.json(
      { error: 'Upload too large (8 images of at most 8 MiB each)' },
      { status: 413 },
    );
  let form: FormData;
  try {
    form = await withBody(req, body.bytes).formData();
  } catch {
    return Response.json({ error: 'Expected multipart/form-data' }, { status: 400 });
  }
  const caller = createCaller(ctx);
  const text = (key: string) => {
    const v = form.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const fields = ZUploadFields.safeParse({
    subjectId: text('subjectId'),
    name: text('name'),
    kind: text('kind'),
    classWord: text('classWord'),
  });
  if (!fields.success) return Response.json({ error: 'Invalid form fields' }, { status: 400 });
  const files = form.getAll('images').filter((f): f is File => typeof f !== 'string' && f.size > 0);
  try {
    const images = await Promise.all(
      files.map(async (file) => Buffer.from(await file.arrayBuffer()).toString('base64')),
    );
    const { subjectId, name, kind, classWord } = fields.data;
    if (subjectId) {
      if (images.length !== 1)
        return Response.json({ error: 'Add one image at a time' }, { status: 400 });
      return Response.json(await caller.subjects.addImage({ subjectId, image: images[0]! }));
    }
    return Response.json(
      await caller.subjects.create({
        name,
        kind: kind as 'product' | 'mascot' | 'person',
        classWord,
        images,
      }),
    );
  } catch (error) {
    return trpcErrorResponse(error);
  }
}
