// POST /api/subjects/upload (multipart) — reference-image uploads too big for a tRPC JSON body
// (the endpoint caps bodies at 1 MiB; photos are often larger). Fields: name, kind, classWord,
// images (1–8 files) to create a subject; or subjectId + images (one file) to add an image.
// The files go to the same tRPC procedures through a server-side caller, so the role guard, the
// input validation and the image rules (8 MiB, 40 MP, decoded safely) are the procedures' own.
import { createCaller, createContext } from '@musar/api';
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

const MAX_BODY = 8 * 8 * 1024 * 1024 + 64 * 1024;

const toBase64 = async (file: File) => Buffer.from(await file.arrayBuffer()).toString('base64');

function statusOf(code: string | undefined) {
  return code === 'UNAUTHORIZED'
    ? 401
    : code === 'FORBIDDEN'
      ? 403
      : code === 'NOT_FOUND'
        ? 404
        : code === 'CONFLICT'
          ? 409
          : code === 'BAD_REQUEST' || code === 'PRECONDITION_FAILED'
            ? 400
            : 500;
}

export async function POST(request: Request) {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY) {
    return Response.json(
      { error: 'Upload too large (8 images of at most 8 MiB each)' },
      { status: 413 },
    );
  }
  const { handle, auth } = await getServices();
  const caller = createCaller(
    await createContext({ db: handle.db, auth, headers: request.headers }),
  );
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return Response.json({ error: 'Expected multipart/form-data' }, { status: 400 });
  }
  const files = form.getAll('images').filter((f): f is File => typeof f !== 'string' && f.size > 0);
  try {
    const images = await Promise.all(files.map(toBase64));
    const subjectId = form.get('subjectId');
    if (typeof subjectId === 'string' && subjectId) {
      if (images.length !== 1)
        return Response.json({ error: 'Add one image at a time' }, { status: 400 });
      return Response.json(await caller.subjects.addImage({ subjectId, image: images[0]! }));
    }
    const text = (key: string) => String(form.get(key) ?? '');
    const kind = text('kind') as 'product' | 'mascot' | 'person';
    return Response.json(
      await caller.subjects.create({
        name: text('name'),
        kind,
        classWord: text('classWord'),
        images,
      }),
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    const status = statusOf(code);
    return Response.json(
      { error: status === 500 ? 'Internal error' : (error as Error).message },
      { status },
    );
  }
}
