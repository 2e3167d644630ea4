// Generated from the served OpenAPI document (jupyter_modelbox/server/openapi.py)
// by openapi-typescript: do not edit. Regenerate with `cd labextension && npm run generate:api`.

export type JSONValue = string | number | boolean | null | JSONValue[] | JSONObject;
export type JSONObject = {
    [key: string]: JSONValue;
};
export interface paths {
    "/info": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Registry location, version, limits, the current event sequence and who is asking */
        get: operations["info"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/namespaces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Namespaces that hold models */
        get: operations["namespaces"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List models: filters (case-insensitive substrings), sort, paging */
        get: operations["list_models"];
        put?: never;
        /** Create a model (names are unique per namespace) */
        post: operations["create_model"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/by-name/{namespace}/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model by namespace and name */
        get: operations["find_model"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/{model_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model */
        get: operations["get_model"];
        put?: never;
        post?: never;
        /** Delete a model (409 while it has versions unless cascade=true) */
        delete: operations["delete_model"];
        options?: never;
        head?: never;
        /** Rename, describe, change task or owner, archive or unarchive: one write (unarchive first, archive last) */
        patch: operations["update_model"];
        trace?: never;
    };
    "/models/{model_id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Versions, newest first */
        get: operations["list_versions"];
        put?: never;
        /** Create the next numbered version (optionally from a checkpoint) */
        post: operations["create_version"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/{model_id}/versions/{ref}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A version by number, unique tag, or 'latest' (404 'has no versions yet' for a model without any) */
        get: operations["get_version"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/{model_id}/tag-history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every set, move and removal of the model's tags */
        get: operations["tag_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models/{model_id}/tags/{tag}/holder": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The version holding a tag now, or at time 'at' */
        get: operations["tag_holder"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Versions of every model matching the query, newest first */
        get: operations["search_versions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/versions/{version_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A version */
        get: operations["get_version_by_id"];
        put?: never;
        post?: never;
        /** Delete a version (its number is never reused) */
        delete: operations["delete_version"];
        options?: never;
        head?: never;
        /** Change label, name, description or framework */
        patch: operations["update_version"];
        trace?: never;
    };
    "/versions/{version_id}/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add a unique tag (409 if another version holds it, unless move=true; If-Match: the tagged version's) */
        post: operations["add_tag"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/versions/{version_id}/tags/{tag}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a tag */
        delete: operations["remove_tag"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/checkpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a checkpoint from uploaded files (optionally in an experiment, whose framework and hparams it takes unless given) */
        post: operations["create_checkpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/checkpoints/{uuid}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A checkpoint */
        get: operations["get_checkpoint"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/experiments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Experiments, newest first (of one namespace; searchable) */
        get: operations["list_experiments"];
        put?: never;
        /** Create an experiment (names are unique per namespace) */
        post: operations["create_experiment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/experiments/{ref}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An experiment by id, else by name in 'namespace' (default: default) */
        get: operations["get_experiment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/experiments/{experiment_id}/checkpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An experiment's checkpoints by epoch, then batch number */
        get: operations["list_checkpoints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/experiments/{experiment_id}/top-checkpoint": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The checkpoint with the best reported metric (the experiment's declared one, else val_loss; 404 when no checkpoint reports it) */
        get: operations["top_checkpoint"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{object_id}/metadata": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Metadata of a model, version, checkpoint or experiment (ETag: its revision) */
        get: operations["get_metadata"];
        put?: never;
        post?: never;
        /** Remove keys */
        delete: operations["remove_metadata"];
        options?: never;
        head?: never;
        /** Merge top-level keys, atomically */
        patch: operations["merge_metadata"];
        trace?: never;
    };
    "/objects/{object_id}/metadata/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Set one key to any JSON value */
        put: operations["set_metadata"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{object_id}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Logged points as columns; max_points downsamples each key (min/max, LTTB) */
        get: operations["read_metrics"];
        put?: never;
        /** Append points, one column set per key */
        post: operations["log_metrics"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{object_id}/metric-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Keys with logged points */
        get: operations["metric_keys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{object_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The events logged on an object, by wallclock */
        get: operations["list_logged_events"];
        put?: never;
        /** Log an event on an object (name, source, wallclock) */
        post: operations["log_event"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{object_id}/artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Artifacts of a model, version, checkpoint or experiment */
        get: operations["list_artifacts"];
        put?: never;
        /** Record uploaded bytes (from /uploads) as an artifact */
        post: operations["add_artifact"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{object_id}/artifact-batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Record many uploaded blobs at once (all checked before any is recorded) */
        post: operations["add_artifacts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{object_id}/tracked-artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Track files by location (path or URI) without copying them */
        post: operations["track_artifacts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/objects/{object_id}/artifacts-from-contents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Copy files or folders from the Jupyter file browser (contents paths) into the registry */
        post: operations["add_contents"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/artifacts/{artifact_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An artifact record */
        get: operations["get_artifact"];
        put?: never;
        post?: never;
        /** Delete an artifact record */
        delete: operations["delete_artifact"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/artifacts/{artifact_id}/content": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The bytes (X-Checksum-Sha256 header); 'Range: bytes=N-' resumes (206) */
        get: operations["open_artifact"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/artifacts/{artifact_id}/url": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A short-lived URL of the bytes in the object store, for a client that reads them there rather than through this server (null where there is none: bytes in a folder, tracked files, or turned off); the client still verifies the sha256 */
        get: operations["artifact_url"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a resumable upload; 'checksum', the sha256 of all its bytes when known up front, lets the server store them without a copy (finish still verifies them against it) */
        post: operations["start_upload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/uploads/{upload_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Bytes received so far (resume from this offset) */
        get: operations["upload_offset"];
        /** Append a chunk at ?offset=N (streamed, never held in memory; 409: resume from the current offset) */
        put: operations["upload_chunk"];
        post?: never;
        /** Cancel an upload */
        delete: operations["cancel_upload"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/uploads/{upload_id}/finish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Check the sha256 of all bytes received and store them */
        post: operations["finish_upload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Changes after sequence number 'since'; waits up to 'timeout' s (max 60) for one */
        get: operations["events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Verify the registry (records, numbering, tags, artifact bytes); repair=true fixes what is safe */
        post: operations["check"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/gc": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Remove artifact bytes no record references (stored before the grace period) and abandoned uploads */
        post: operations["collect_garbage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The whole registry (documents, metric series, artifact bytes) as a tar stream */
        get: operations["export"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Load an export archive (uploaded first through /uploads) into this empty registry */
        post: operations["import_upload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            message: string;
            reason?: string | null;
        };
        Model: {
            id: string;
            name: string;
            namespace: string;
            owner: string;
            task: string;
            description: string;
            /** @description any JSON object */
            metadata: JSONObject;
            archived: boolean;
            num_versions: number;
            revision: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        Version: {
            id: string;
            model_id: string;
            number: number;
            version: string;
            name: string;
            description: string;
            /** @description any JSON object */
            metadata: JSONObject;
            framework: string | null;
            tags: string[];
            checkpoint_uuid: string | null;
            /** @description where a version or checkpoint came from: notebook, cells, packages, git, host */
            lineage?: JSONObject | null;
            owner: string;
            revision: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        Checkpoint: {
            id: string;
            uuid: string;
            experiment_id?: string | null;
            trial_id?: number | null;
            epoch?: number | null;
            batch_number?: number | null;
            /** @description any JSON object */
            metadata: JSONObject;
            /** @description any JSON object */
            metrics: JSONObject;
            /** @description any JSON object */
            hparams?: JSONObject;
            framework: string | null;
            format: string | null;
            /** @description file path -> size in bytes */
            resources?: {
                [key: string]: number;
            };
            /** @description where a version or checkpoint came from: notebook, cells, packages, git, host */
            lineage?: JSONObject | null;
            owner: string;
            revision: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        Experiment: {
            id: string;
            name: string;
            namespace: string;
            owner: string;
            external_id: string | null;
            framework: string | null;
            /** @description any JSON object */
            metadata: JSONObject;
            /** @description any JSON object */
            hparams: JSONObject;
            /** @description the metric top_checkpoint ranks by (default val_loss) */
            metric: string | null;
            /** @description null: smaller is better */
            smaller_is_better: boolean | null;
            num_checkpoints: number;
            revision: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        Artifact: {
            id: string;
            parent: string;
            path: string;
            /**
             * @description what the artifact holds (guessed from its path when not given)
             * @enum {string}
             */
            mime_type: "unknown" | "model" | "checkpoint" | "text" | "image" | "audio" | "video";
            content_type: string;
            /** @description sha256 hex; empty for a tracked file that was not reachable */
            checksum: string;
            size: number | null;
            tracked: boolean;
            location: string | null;
            owner: string;
            /** Format: date-time */
            created_at: string;
        };
        /** @description an event a user logged on an object (ModelBox's log_event) */
        LoggedEvent: {
            id: string;
            parent: string;
            name: string;
            source: string | null;
            /** @description seconds since the epoch */
            wallclock: number;
            /** @description any JSON object */
            metadata: JSONObject;
            actor: string;
            /** Format: date-time */
            created_at: string;
        };
        /** @description a model, version, checkpoint or experiment */
        RegistryObject: components["schemas"]["Model"] | components["schemas"]["Version"] | components["schemas"]["Checkpoint"] | components["schemas"]["Experiment"];
        Blob: {
            checksum: string;
            size: number;
        };
        Upload: {
            upload_id: string;
            offset: number;
            max_chunk_bytes?: number;
        };
        /** @description a change; fields beyond these depend on the kind */
        Event: {
            id?: string;
            seq: number;
            kind: string;
            /** Format: date-time */
            at: string;
            actor: string | null;
            model_id?: string | null;
            version_id?: string | null;
            object_id?: string | null;
        };
        TagChange: {
            id: string;
            model_id: string;
            tag: string;
            /** @enum {string} */
            action: "set" | "moved" | "removed";
            /** Format: date-time */
            at: string;
            actor: string;
            version_id: string | null;
            number: number | null;
            previous_version_id: string | null;
            previous_number: number | null;
        };
        Finding: {
            /** @enum {string} */
            level: "error" | "warning" | "info";
            what: string;
            repaired: boolean;
        };
        GarbageReport: {
            dry_run: boolean;
            grace_seconds: number;
            /** @description sha256 of each blob removed */
            blobs: string[];
            bytes: number;
            /** @description unreferenced blobs an upload finished into lately */
            kept_recent: number;
            /** @description abandoned uploads and staging aborted */
            uploads: string[];
        };
        Limits: {
            max_name_length: number;
            max_description_length: number;
            max_metadata_bytes: number;
            max_metadata_keys: number;
            max_tags_per_version: number;
            max_metric_key_length: number;
            max_chunk_bytes: number;
            max_json_body_bytes: number;
        };
        Info: {
            root: string;
            version: string;
            last_event_seq: number;
            limits: components["schemas"]["Limits"];
            user: string;
            /** @description uploads that announce their sha256 at the start are stored with less work (a client then hashes the file first) */
            checksum_first: boolean;
            /** @description large downloads are faster as a few concurrent Range requests (bytes in object storage) than as one stream */
            ranged_downloads: boolean;
            /** @description artifact_url hands out URLs to read large artifacts straight from the object store */
            direct_downloads: boolean;
        };
        /** @description a binary column: needs dtype '<f8' or '<i8' and a base64 'b64' string of the raw little-endian array */
        BinaryColumn: {
            /** @enum {string} */
            dtype: "<f8" | "<i8";
            b64: string;
        };
        /** @description a number, a string, {"b": base64 bytes} or {"f": "nan" | "inf" | "-inf"} */
        MetricValue: number | string | {
            b: string;
        } | {
            /** @enum {string} */
            f: "nan" | "inf" | "-inf";
        };
        /** @description the points of one metric key, as columns of equal length */
        Columns: {
            /** @description null: no step */
            step?: (number | null)[] | components["schemas"]["BinaryColumn"];
            /** @description seconds since the epoch */
            wallclock: number[] | components["schemas"]["BinaryColumn"];
            value: components["schemas"]["MetricValue"][] | components["schemas"]["BinaryColumn"];
        };
        /** @description points as columns, ordered by key, then step, then wallclock */
        MetricFrame: {
            key: string[];
            step: (number | null)[];
            wallclock: number[];
            value: components["schemas"]["MetricValue"][];
        };
    };
    responses: {
        /** @description Malformed request */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Not authenticated or not authorized */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Not found */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Conflict */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description If-Match names an older revision: reload and retry */
        PreconditionFailed: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Too large */
        TooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Range not satisfiable */
        RangeNotSatisfiable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Invalid argument */
        InvalidArgument: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    info: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Info"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    openapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    namespaces: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        namespaces: string[];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    list_models: {
        parameters: {
            query?: {
                namespace?: string;
                name?: string;
                description?: string;
                sort_by?: "name" | "description" | "creation_time" | "last_updated_time";
                order_by?: "asc" | "desc";
                archived?: boolean;
                /** @description the search language, e.g. name ~ mnist and (tag:production or metrics.val_loss < 0.1); a syntax error is a 422 whose message points at the position */
                q?: string;
                offset?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        models: components["schemas"]["Model"][];
                        total: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    create_model: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    owner?: string | null;
                    namespace?: string | null;
                    task?: string | null;
                    description?: string | null;
                    /** @description paths or URIs to track (not copy) */
                    artifacts?: string[] | null;
                    /** @description any JSON object */
                    metadata?: JSONObject | null;
                    /** @description return the existing model instead of a 409 */
                    exist_ok?: boolean;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    find_model: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                namespace: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    get_model: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                model_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    delete_model: {
        parameters: {
            query?: {
                cascade?: boolean;
            };
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                model_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done (no content) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    update_model: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                model_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    description?: string;
                    task?: string;
                    owner?: string;
                    archived?: boolean;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    list_versions: {
        parameters: {
            query?: {
                /** @description the search language, e.g. name ~ mnist and (tag:production or metrics.val_loss < 0.1); a syntax error is a 422 whose message points at the position */
                q?: string;
                offset?: number;
                limit?: number;
            };
            header?: never;
            path: {
                model_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        versions: components["schemas"]["Version"][];
                        total: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    create_version: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                model_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description your label; default: the number */
                    version?: string | null;
                    name?: string | null;
                    description?: string | null;
                    /** @description paths or URIs to track (not copy) */
                    artifacts?: string[] | null;
                    /** @description any JSON object */
                    metadata?: JSONObject | null;
                    unique_tags?: string[] | null;
                    framework?: string | null;
                    checkpoint_uuid?: string | null;
                    /** @description where a version or checkpoint came from: notebook, cells, packages, git, host */
                    lineage?: JSONObject | null;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Version"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    get_version: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                model_id: string;
                ref: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Version"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    tag_history: {
        parameters: {
            query?: {
                tag?: string;
            };
            header?: never;
            path: {
                model_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        history: components["schemas"]["TagChange"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    tag_holder: {
        parameters: {
            query?: {
                at?: string;
            };
            header?: never;
            path: {
                model_id: string;
                tag: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        version: components["schemas"]["Version"] | null;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    search_versions: {
        parameters: {
            query?: {
                /** @description the search language, e.g. name ~ mnist and (tag:production or metrics.val_loss < 0.1); a syntax error is a 422 whose message points at the position */
                q?: string;
                offset?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        versions: components["schemas"]["Version"][];
                        total: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    get_version_by_id: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                version_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Version"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    delete_version: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                version_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done (no content) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    update_version: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                version_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    version?: string;
                    name?: string;
                    description?: string;
                    framework?: string;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Version"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    add_tag: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                version_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    tag: string;
                    move?: boolean;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Version"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    remove_tag: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                version_id: string;
                tag: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Version"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    create_checkpoint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description bytes uploaded through /uploads */
                    files?: {
                        path: string;
                        checksum: string;
                        size?: number | null;
                        /**
                         * @description what the artifact holds (guessed from its path when not given)
                         * @enum {string|null}
                         */
                        mime_type?: "unknown" | "model" | "checkpoint" | "text" | "image" | "audio" | "video" | null;
                    }[] | null;
                    /** @description any JSON object */
                    metadata?: JSONObject | null;
                    /** @description any JSON object */
                    metrics?: JSONObject | null;
                    framework?: string | null;
                    format?: string | null;
                    /** @description where a version or checkpoint came from: notebook, cells, packages, git, host */
                    lineage?: JSONObject | null;
                    experiment_id?: string | null;
                    epoch?: number | null;
                    batch_number?: number | null;
                    trial_id?: number | null;
                    /** @description any JSON object */
                    hparams?: JSONObject | null;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Checkpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    get_checkpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                uuid: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Checkpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    list_experiments: {
        parameters: {
            query?: {
                namespace?: string;
                /** @description the search language, e.g. name ~ mnist and (tag:production or metrics.val_loss < 0.1); a syntax error is a 422 whose message points at the position */
                q?: string;
                offset?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        experiments: components["schemas"]["Experiment"][];
                        total: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    create_experiment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    owner?: string | null;
                    namespace?: string | null;
                    /** @description the run's id in the tool that trained it */
                    external_id?: string | null;
                    framework?: string | null;
                    /** @description any JSON object */
                    metadata?: JSONObject | null;
                    /** @description any JSON object */
                    hparams?: JSONObject | null;
                    /** @description the metric top-checkpoint ranks by (default val_loss) */
                    metric?: string | null;
                    /** @description default: true */
                    smaller_is_better?: boolean | null;
                    /** @description return the existing experiment instead of a 409 */
                    exist_ok?: boolean;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Experiment"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    get_experiment: {
        parameters: {
            query?: {
                namespace?: string;
            };
            header?: never;
            path: {
                ref: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Experiment"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    list_checkpoints: {
        parameters: {
            query?: {
                epoch?: number;
                offset?: number;
                limit?: number;
            };
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        checkpoints: components["schemas"]["Checkpoint"][];
                        total: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    top_checkpoint: {
        parameters: {
            query?: {
                metric?: string;
                smaller_is_better?: boolean;
            };
            header?: never;
            path: {
                experiment_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Checkpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    get_metadata: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description any JSON object */
                        metadata: JSONObject;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    remove_metadata: {
        parameters: {
            query?: {
                key?: string[];
            };
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegistryObject"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    merge_metadata: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description any JSON object */
                    metadata: JSONObject;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegistryObject"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    set_metadata: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag (revision) the edit starts from; 412 if the object changed since */
                "If-Match"?: string;
            };
            path: {
                object_id: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    value: unknown;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegistryObject"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    read_metrics: {
        parameters: {
            query?: {
                key?: string[];
                max_points?: number;
                method?: "minmax" | "lttb" | "minmax_lttb";
            };
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetricFrame"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    log_metrics: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    series: {
                        [key: string]: components["schemas"]["Columns"];
                    };
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        points: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    metric_keys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        keys: string[];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    list_logged_events: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        events: components["schemas"]["LoggedEvent"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    log_event: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    source?: string | null;
                    /** @description seconds since the epoch; default: now */
                    wallclock?: number | null;
                    /** @description any JSON object */
                    metadata?: JSONObject | null;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoggedEvent"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    list_artifacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        artifacts: components["schemas"]["Artifact"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    add_artifact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    path: string;
                    checksum: string;
                    size?: number | null;
                    /**
                     * @description what the artifact holds (guessed from its path when not given)
                     * @enum {string|null}
                     */
                    mime_type?: "unknown" | "model" | "checkpoint" | "text" | "image" | "audio" | "video" | null;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Artifact"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    add_artifacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    artifacts: {
                        path: string;
                        checksum: string;
                        size?: number | null;
                    }[];
                    /**
                     * @description what the artifact holds (guessed from its path when not given)
                     * @enum {string|null}
                     */
                    mime_type?: "unknown" | "model" | "checkpoint" | "text" | "image" | "audio" | "video" | null;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        artifacts: components["schemas"]["Artifact"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    track_artifacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    locations: string[];
                    /**
                     * @description what the artifact holds (guessed from its path when not given)
                     * @enum {string|null}
                     */
                    mime_type?: "unknown" | "model" | "checkpoint" | "text" | "image" | "audio" | "video" | null;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        artifacts: components["schemas"]["Artifact"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    add_contents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                object_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description file browser paths */
                    paths: string[];
                    /**
                     * @description what the artifact holds (guessed from its path when not given)
                     * @enum {string|null}
                     */
                    mime_type?: "unknown" | "model" | "checkpoint" | "text" | "image" | "audio" | "video" | null;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        artifacts: components["schemas"]["Artifact"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    get_artifact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                artifact_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Artifact"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    delete_artifact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                artifact_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done (no content) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    open_artifact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                artifact_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description Part of the bytes ('Range: bytes=N-') */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            416: components["responses"]["RangeNotSatisfiable"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    artifact_url: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                artifact_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        url: string | null;
                        expires_in: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    start_upload: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description sha256 (64 hex digits) of the whole upload */
                    checksum?: string;
                };
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Upload"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    upload_offset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                upload_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Upload"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    upload_chunk: {
        parameters: {
            query: {
                /** @description the number of bytes the upload already has */
                offset: number;
            };
            header?: never;
            path: {
                upload_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Upload"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    cancel_upload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                upload_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done (no content) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    finish_upload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                upload_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    checksum: string;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Blob"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    events: {
        parameters: {
            query?: {
                since?: number;
                timeout?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        events: components["schemas"]["Event"][];
                        last_seq: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    check: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    repair?: boolean;
                    verify_bytes?: boolean;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        findings: components["schemas"]["Finding"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    collect_garbage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    grace_seconds?: number;
                    dry_run?: boolean;
                    upload_timeout_seconds?: number;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        report: components["schemas"]["GarbageReport"];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    export: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-tar": string;
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
    import_upload: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    checksum: string;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        manifest: JSONObject;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["TooLarge"];
            422: components["responses"]["InvalidArgument"];
        };
    };
}
