import { Widget } from '@lumino/widgets';

import { ExperimentList } from '../experimentlist';
import { ExperimentView, metricKeys } from '../experimentview';
import { ModelboxPanel } from '../panel';
import { CheckpointRegistration, NEW_MODEL } from '../registerdialog';
import type { ICheckpoint, IExperiment } from '../tokens';
import { VersionView } from '../versionview';
import {
  type Route,
  aModel,
  aVersion,
  calls,
  clientFor,
  fakePrompts,
  jsonResponse,
  settle,
  texts
} from './fake-server';

const HOSTILE = '<img src=x onerror=alert(1)>';

function anExperiment(overrides: Partial<IExperiment> = {}): IExperiment {
  return {
    id: 'e1',
    name: 'mnist-run',
    namespace: 'vision',
    owner: 'ana',
    external_id: 'det-17',
    framework: 'torch',
    metadata: {},
    hparams: { lr: 0.01 },
    metric: null,
    smaller_is_better: null,
    num_checkpoints: 3,
    revision: 1,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides
  };
}

function aCheckpoint(epoch: number, metrics: ICheckpoint['metrics'], overrides: Partial<ICheckpoint> = {}): ICheckpoint {
  const uuid = `c${epoch}aaaaaaa-0000-4000-8000-000000000000`;
  return {
    id: uuid,
    uuid,
    experiment_id: 'e1',
    trial_id: 7,
    epoch,
    batch_number: epoch * 100,
    metadata: {},
    metrics,
    hparams: {},
    framework: 'torch',
    format: null,
    owner: 'ana',
    revision: 1,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides
  };
}

const CHECKPOINTS = [
  aCheckpoint(1, { val_loss: 0.9, accuracy: 0.6 }),
  aCheckpoint(2, { accuracy: 0.9, val_loss: 0.3 }),
  aCheckpoint(3, { val_loss: 0.5, accuracy: 0.8, [HOSTILE]: HOSTILE })
];

/** An experiment with three checkpoints, the second one best by val_loss. */
function experimentRoutes(experiment: IExperiment = anExperiment(), extra: Route[] = []): Route[] {
  return [
    ...extra,
    ['GET', /^experiments$/, () => jsonResponse({ experiments: [experiment], total: 1 })],
    ['GET', /^namespaces$/, () => jsonResponse({ namespaces: ['default'] })],
    ['GET', /^experiments\/e1$/, () => jsonResponse(experiment)],
    ['GET', /^experiments\/e1\/checkpoints$/, () => jsonResponse({ checkpoints: CHECKPOINTS, total: 3 })],
    ['GET', /^experiments\/e1\/top-checkpoint$/, () => jsonResponse(CHECKPOINTS[1])],
    ['GET', /^objects\/e1\/artifacts$/, () => jsonResponse({ artifacts: [] })]
  ];
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('ExperimentList', () => {
  it('lists experiments as text and searches with q= and a namespace', async () => {
    const { client, fetch } = clientFor([
      [
        'GET',
        /^experiments$/,
        () =>
          jsonResponse({
            experiments: [anExperiment({ name: HOSTILE, namespace: 'team' }), anExperiment({ id: 'e2', num_checkpoints: 1 })],
            total: 2
          })
      ],
      ['GET', /^namespaces$/, () => jsonResponse({ namespaces: ['default'] })]
    ]);
    const list = new ExperimentList(client);

    await list.refresh();
    await settle();

    expect(list.node.querySelector('img')).toBeNull();
    expect(texts(list, '.jp-ModelboxExperiment-name')).toEqual([HOSTILE, 'mnist-run']);
    expect(texts(list, '.jp-ModelboxExperiment-count')).toEqual(['3 checkpoints', '1 checkpoint']);
    expect(texts(list, '.jp-ModelboxExperimentList-status')).toEqual(['2 experiments']);
    // the registry's namespaces and those the experiments are in
    expect(texts(list, '.jp-ModelboxExperimentList-namespace option')).toEqual([
      'All namespaces',
      'default',
      'team',
      'vision'
    ]);

    list.searchBox.input.value = ' framework = torch ';
    (list.node.querySelector('.jp-ModelboxExperimentList-namespace') as HTMLSelectElement).value = 'team';
    await list.refresh(true);
    expect(calls(fetch).filter(c => c.startsWith('GET experiments?')).pop()).toBe(
      'GET experiments?q=framework+%3D+torch&namespace=team&offset=0&limit=50'
    );
  });

  it('shows a syntax error at the box and says no experiment matches', async () => {
    const { client } = clientFor([
      [
        'GET',
        /^experiments$/,
        () => jsonResponse({ message: 'expected a value at position 7 of the query: name = ', reason: 'InvalidArgumentError' }, 422)
      ],
      ['GET', /^namespaces$/, () => jsonResponse({ namespaces: [] })]
    ]);
    const list = new ExperimentList(client);
    list.searchBox.input.value = 'name = ';

    await list.refresh(true);

    expect(list.searchBox.node.querySelector('.jp-ModelboxSearch-errorMessage')?.textContent).toContain('position 7');
    expect(texts(list, '.jp-ModelboxExperimentList-status')).toEqual(['Fix the query to search.']);
    expect(list.node.querySelector('.jp-ModelboxPanel-error')).toBeNull();
  });

  it('fetches the next page with Show more', async () => {
    const all = Array.from({ length: 60 }, (_, i) => anExperiment({ id: `e${i}`, name: `run-${i}` }));
    const { client, fetch } = clientFor([
      [
        'GET',
        /^experiments$/,
        request => {
          const params = new URL(request.url).searchParams;
          const offset = Number(params.get('offset'));
          const limit = Number(params.get('limit'));
          return jsonResponse({ experiments: all.slice(offset, offset + limit), total: all.length });
        }
      ],
      ['GET', /^namespaces$/, () => jsonResponse({ namespaces: [] })]
    ]);
    const list = new ExperimentList(client);

    await list.refresh();
    expect(list.node.querySelectorAll('.jp-ModelboxExperiment-row')).toHaveLength(50);
    expect(texts(list, '.jp-ModelboxExperimentList-status')).toEqual(['60 experiments, newest 50 shown']);

    (list.node.querySelector('.jp-ModelboxExperimentList-more') as HTMLButtonElement).click();
    await settle();
    expect(list.node.querySelectorAll('.jp-ModelboxExperiment-row')).toHaveLength(60);
    expect(list.node.querySelector('.jp-ModelboxExperimentList-more')).toBeNull();
    expect(calls(fetch)).toContain('GET experiments?offset=50&limit=50');

    // a refresh (a live update) keeps as many rows as are shown
    await list.refresh();
    expect(calls(fetch).pop()).toBe('GET experiments?offset=0&limit=60');
  });
});

describe('ExperimentView', () => {
  it('shows the header, hyperparameters and checkpoints in order, the top one marked', async () => {
    const { client } = clientFor(experimentRoutes(anExperiment({ hparams: { [HOSTILE]: HOSTILE } })));
    const view = new ExperimentView(client, fakePrompts());

    await view.load('e1');

    expect(view.node.querySelector('img')).toBeNull();
    expect(texts(view, '.jp-ModelboxDetail-title')).toEqual(['mnist-run']);
    expect(texts(view, '.jp-ModelboxExperimentView-subtitle')).toEqual(['vision · ana · torch']);
    expect(texts(view, '.jp-ModelboxPage-idText')).toEqual(['e1']);
    expect(texts(view, '.jp-ModelboxExperimentView-hparams td')).toEqual([HOSTILE, HOSTILE]);
    expect(texts(view, 'tbody .jp-ModelboxCheckpoints-epoch')).toEqual(['1', '2', '3']);
    expect(texts(view, 'tbody .jp-ModelboxCheckpoints-uuid')).toEqual(['c1aaaaaa', 'c2aaaaaa', 'c3aaaaaa']);
    // the ranking metric first, then the others as first seen
    expect(texts(view, 'thead .jp-ModelboxCheckpoints-metric')).toEqual(['val_loss', 'accuracy', HOSTILE]);
    expect(texts(view, '.jp-mod-top .jp-ModelboxCheckpoints-metric')).toEqual(['0.3', '0.9', '']);
    expect(view.node.querySelectorAll('.jp-ModelboxCheckpoints-row.jp-mod-top')).toHaveLength(1);
    expect(texts(view, '.jp-ModelboxCheckpoints-topUuid')).toEqual([CHECKPOINTS[1].uuid]);
    expect(view.node.querySelector('.jp-ModelboxCheckpoints-top')?.textContent).toContain(
      'Top by val_loss, smaller is better'
    );
    // no register action without the dialog
    expect(view.node.querySelector('.jp-ModelboxCheckpoints-register')).toBeNull();
  });

  it('ranks by the declared metric, and shows why there is no top checkpoint', async () => {
    const experiment = anExperiment({ metric: 'f1', smaller_is_better: false });
    const why = "experiment 'mnist-run' has no top checkpoint by 'f1': none of its 3 checkpoint(s) reports 'f1'";
    const { client } = clientFor(
      experimentRoutes(experiment, [
        ['GET', /^experiments\/e1\/top-checkpoint$/, () => jsonResponse({ message: why, reason: 'NotFoundError' }, 404)]
      ])
    );
    const view = new ExperimentView(client, fakePrompts());

    await view.load('e1');

    expect(texts(view, '.jp-ModelboxCheckpoints-noTop')).toEqual([why]);
    expect(view.node.querySelector('.jp-mod-top')).toBeNull();
    expect(view.node.querySelectorAll('tbody .jp-ModelboxCheckpoints-row')).toHaveLength(3);
  });

  it('registers a checkpoint through the dialog and announces the version', async () => {
    const version = aVersion({ checkpoint_uuid: CHECKPOINTS[0].uuid });
    const registerCheckpoint = jest.fn(async () => version);
    const { client } = clientFor(experimentRoutes());
    const view = new ExperimentView(client, fakePrompts({ registerCheckpoint }));
    const registered = jest.fn();
    view.versionRegistered.connect((_, v) => registered(v));

    await view.load('e1');
    const buttons = view.node.querySelectorAll<HTMLButtonElement>('.jp-ModelboxCheckpoints-register');
    expect(buttons).toHaveLength(3);
    expect(buttons[0].getAttribute('aria-label')).toBe('Register as version');
    buttons[0].click();
    await settle();

    expect(registerCheckpoint).toHaveBeenCalledWith(expect.objectContaining({ id: 'e1' }), CHECKPOINTS[0]);
    expect(registered).toHaveBeenCalledWith(version);
  });

  it('reloads for the events of its experiment only', async () => {
    const { client } = clientFor(experimentRoutes());
    const view = new ExperimentView(client, fakePrompts());
    await view.load('e1');
    const event = (fields: object) => ({ seq: 1, at: '', actor: null, ...fields }) as never;

    expect(view.concerns([event({ kind: 'checkpoint.created', object_id: 'c9', experiment_id: 'e1' })])).toBe(true);
    expect(view.concerns([event({ kind: 'metadata.updated', object_id: 'e1', experiment_id: 'e1' })])).toBe(true);
    expect(view.concerns([event({ kind: 'checkpoint.created', object_id: 'c9', experiment_id: 'e2' })])).toBe(false);
    expect(view.concerns([event({ kind: 'metrics.logged', object_id: 'e1' })])).toBe(false);
    expect(view.concerns([event({ kind: 'model.created', model_id: 'm1' })])).toBe(false);
  });
});

describe('metricKeys', () => {
  it('puts the ranking metric first when a checkpoint reports it', () => {
    expect(metricKeys(CHECKPOINTS, 'accuracy')).toEqual(['accuracy', 'val_loss', HOSTILE]);
    expect(metricKeys(CHECKPOINTS, 'f1')).toEqual(['val_loss', 'accuracy', HOSTILE]);
  });
});

describe('CheckpointRegistration', () => {
  function registryRoutes(models = [aModel({ id: 'm1', name: 'resnet', namespace: 'vision' })], extra: Route[] = []): Route[] {
    return [
      ...extra,
      [
        'GET',
        /^models$/,
        request => {
          const name = new URL(request.url).searchParams.get('name') ?? '';
          return jsonResponse({ models: models.filter(m => m.name.includes(name)), total: models.length });
        }
      ]
    ];
  }

  it('offers a new model for a name no model of the namespace has, and creates it before the version', async () => {
    let versionAnswers = 0;
    let createdWith: object = {};
    const { client, fetch } = clientFor(
      registryRoutes(undefined, [
        [
          'POST',
          /^models$/,
          async request => {
            createdWith = await request.json();
            return jsonResponse(aModel({ id: 'm9', ...createdWith }), 201);
          }
        ],
        [
          'POST',
          /^models\/m9\/versions$/,
          async request => {
            const body = await request.json();
            versionAnswers++;
            if (versionAnswers === 1) {
              return jsonResponse({ message: `tag 'prod' is held by version 3`, reason: 'ConflictError' }, 409);
            }
            return jsonResponse(aVersion({ model_id: 'm9', checkpoint_uuid: body.checkpoint_uuid }), 201);
          }
        ]
      ])
    );
    const form = new CheckpointRegistration(client, anExperiment(), CHECKPOINTS[1]);
    await form.chooser.ready;
    expect(texts(form.chooser.modelSelect, 'option')).toEqual(['resnet (vision)']);
    expect(form.chooser.namespaceInput.value).toBe('vision');
    expect(form.nodes[0].textContent).toBe(
      `Checkpoint ${CHECKPOINTS[1].uuid} of mnist-run: epoch 2, batch 200, accuracy 0.9, val_loss 0.3`
    );

    form.chooser.nameInput.value = 'mnist-best';
    await form.chooser.load();
    expect(texts(form.chooser.modelSelect, 'option')).toEqual(['New model "mnist-best" in vision']);
    expect(form.chooser.modelSelect.value).toBe(NEW_MODEL);

    // the version is refused: the model exists now and is not created twice
    await expect(form.submit()).rejects.toThrow("tag 'prod' is held by version 3");
    const version = await form.submit();

    expect(version.checkpoint_uuid).toBe(CHECKPOINTS[1].uuid);
    expect(calls(fetch).filter(c => c.startsWith('POST'))).toEqual([
      'POST models',
      'POST models/m9/versions',
      'POST models/m9/versions'
    ]);
    expect(createdWith).toEqual({ name: 'mnist-best', namespace: 'vision' });
  });

  it('chooses the model whose name is typed, and registers the version there', async () => {
    const { client, fetch } = clientFor(
      registryRoutes(
        [aModel({ id: 'm1', name: 'resnet', namespace: 'vision' }), aModel({ id: 'm2', name: 'resnet-small', namespace: 'vision' })],
        [['POST', /^models\/m1\/versions$/, () => jsonResponse(aVersion(), 201)]]
      )
    );
    const form = new CheckpointRegistration(client, anExperiment(), CHECKPOINTS[0]);
    form.chooser.nameInput.value = 'resnet';
    await form.chooser.load();
    expect(form.chooser.modelSelect.value).toBe('m1');
    expect(texts(form.chooser.modelSelect, 'option')).toEqual(['resnet (vision)', 'resnet-small (vision)']);

    await form.submit({ ...form.fields, version: 'best' });

    const sent = fetch.mock.calls.find(([r]) => r.method === 'POST')?.[0] as Request;
    expect(await sent.clone().json()).toEqual({ version: 'best', unique_tags: [], checkpoint_uuid: CHECKPOINTS[0].uuid });
    expect(calls(fetch).filter(c => c.startsWith('POST'))).toEqual(['POST models/m1/versions']);
  });

  it('says to choose or name a model when there is neither', async () => {
    const { client } = clientFor(registryRoutes([]));
    const form = new CheckpointRegistration(client, anExperiment(), CHECKPOINTS[0]);
    await form.chooser.ready;

    await expect(form.submit()).rejects.toThrow('Choose a model, or type the name of a new one.');
  });
});

describe('version linked to an experiment', () => {
  it('shows the experiment of its checkpoint and opens it', async () => {
    const version = aVersion({ checkpoint_uuid: CHECKPOINTS[1].uuid });
    const { client } = clientFor([
      ...experimentRoutes(anExperiment({ name: HOSTILE })),
      ['GET', /^versions\/v1$/, () => jsonResponse(version)],
      ['GET', /^objects\/v1\/artifacts$/, () => jsonResponse({ artifacts: [] })],
      ['GET', /^objects\/v1\/metric-keys$/, () => jsonResponse({ keys: [] })],
      ['GET', /^checkpoints\/.+$/, () => jsonResponse(CHECKPOINTS[1])]
    ]);
    const view = new VersionView(client, fakePrompts());
    const opened = jest.fn();
    view.experimentOpened.connect((_, id) => opened(id));

    await view.load(version);

    const link = view.node.querySelector('.jp-ModelboxVersionView-experiment') as HTMLAnchorElement;
    expect(link.textContent).toBe(HOSTILE);
    expect(view.node.querySelector('img')).toBeNull();
    link.click();
    expect(opened).toHaveBeenCalledWith('e1');
    view.dispose();
  });
});

describe('ModelboxPanel experiments', () => {
  it('switches to the experiments, opens one, follows its events and goes back', async () => {
    let answered = false;
    let checkpoints = CHECKPOINTS.slice(0, 2);
    let deliver = (): void => undefined;
    const delivered = new Promise<void>(resolve => (deliver = resolve));
    const { client, fetch } = clientFor([
      ['GET', /^info$/, () => jsonResponse({ last_event_seq: 0 })],
      [
        'GET',
        /^events$/,
        async request => {
          if (!answered) {
            answered = true;
            await delivered;
            return jsonResponse({
              events: [{ seq: 1, kind: 'checkpoint.created', at: '', actor: 'ana', object_id: 'c3', experiment_id: 'e1' }],
              last_seq: 1
            });
          }
          return new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('aborted'))));
        }
      ],
      ['GET', /^models$/, () => jsonResponse({ models: [], total: 0 })],
      ['GET', /^experiments\/e1\/checkpoints$/, () => jsonResponse({ checkpoints, total: checkpoints.length })],
      ...experimentRoutes()
    ]);
    const panel = new ModelboxPanel({ client, prompts: fakePrompts(), pollOptions: { minBackoffMs: 5 } });
    Widget.attach(panel, document.body);

    (panel.node.querySelector('.jp-ModelboxSwitch-experiments') as HTMLButtonElement).click();
    await settle();
    expect(panel.experimentList.isHidden).toBe(false);
    expect(panel.list.isHidden).toBe(true);
    expect(texts(panel, '.jp-ModelboxPanel-crumbs .jp-ModelboxCrumb')).toEqual(['Experiments']);
    expect(panel.node.querySelector('.jp-ModelboxSwitch-experiments')?.getAttribute('aria-selected')).toBe('true');
    const newModel = panel.node.querySelector('.jp-ModelboxPanel-newModel') as HTMLButtonElement;
    expect(newModel.hidden).toBe(true); // experiments are made by training code

    (panel.node.querySelector('.jp-ModelboxExperiment-row') as HTMLElement).click();
    await settle();
    expect(panel.experimentView.isHidden).toBe(false);
    expect(texts(panel, '.jp-ModelboxPanel-crumbs .jp-ModelboxCrumb')).toEqual(['Experiments', 'mnist-run']);
    expect(panel.experimentView.node.querySelectorAll('tbody .jp-ModelboxCheckpoints-row')).toHaveLength(2);

    checkpoints = CHECKPOINTS; // a notebook logged a third one
    deliver();
    await new Promise(resolve => setTimeout(resolve, 400));
    expect(panel.experimentView.node.querySelectorAll('tbody .jp-ModelboxCheckpoints-row')).toHaveLength(3);

    (panel.node.querySelector('.jp-ModelboxSwitch-models') as HTMLButtonElement).click();
    expect(panel.list.isHidden).toBe(false);
    expect(panel.experimentView.isHidden).toBe(true);
    expect(texts(panel, '.jp-ModelboxPanel-crumbs .jp-ModelboxCrumb')).toEqual(['Models']);
    expect(newModel.hidden).toBe(false);
    expect(calls(fetch)).toContain('GET experiments/e1/checkpoints?offset=0&limit=200');
    panel.dispose();
  });
});
