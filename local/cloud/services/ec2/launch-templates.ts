import type { Clock } from '../../core/clock.ts';
import { resourceId } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';

export interface LaunchTemplateVersion {
  versionNumber: number;
  versionDescription?: string;
  createTime: Date;
  /** The request's `LaunchTemplateData` as parsed (EC2 query member names, string values). */
  data: Record<string, any>;
}

export interface LaunchTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  createTime: Date;
  createdBy: string;
  defaultVersionNumber: number;
  latestVersionNumber: number;
  versions: LaunchTemplateVersion[];
}

/** What the launch templates need from the rest of their EC2 backend. */
export interface LaunchTemplateHost {
  readonly accountId: string;
  readonly clock: Clock;
  setTags(id: string, tags: Record<string, string>): void;
  dropTags(id: string): void;
}

/** The launch templates of one account and region, with their versions. */
export class LaunchTemplateStore {
  readonly byId = new Map<string, LaunchTemplate>();
  readonly #host: LaunchTemplateHost;

  constructor(host: LaunchTemplateHost) {
    this.#host = host;
  }

  /** The template by id or name, or the AWS not-found error. */
  requireLaunchTemplate(ref: { id?: string | undefined; name?: string | undefined }): LaunchTemplate {
    if (ref.id && !/^lt-[0-9a-f]{17}$/.test(ref.id)) {
      throw new ServiceError(
        'InvalidLaunchTemplateId.Malformed',
        'The specified ID for the launch template ID is not valid. Ensure that you specify the ID in the form lt-xxxxxxxxxxxxxxxxx.',
      );
    }
    if (ref.id) {
      const lt = this.byId.get(ref.id);
      if (!lt) {
        throw new ServiceError(
          'InvalidLaunchTemplateId.NotFound',
          `The specified launch template, with template ID ${ref.id}, does not exist.`,
        );
      }
      return lt;
    }
    const lt = this.findLaunchTemplateByName(ref.name ?? '');
    if (!lt) {
      throw new ServiceError(
        'InvalidLaunchTemplateName.NotFoundException',
        'At least one of the launch templates specified in the request does not exist.',
      );
    }
    return lt;
  }

  /** The template named `name`, if any. */
  findLaunchTemplateByName(name: string): LaunchTemplate | undefined {
    for (const lt of this.byId.values()) if (lt.launchTemplateName === name) return lt;
    return undefined;
  }

  /** Resolves `$Latest`, `$Default` or a number to a version, or undefined. */
  resolveVersion(lt: LaunchTemplate, version: string | undefined): LaunchTemplateVersion | undefined {
    const v =
      version === undefined || version === '' || version === '$Default'
        ? lt.defaultVersionNumber
        : version === '$Latest'
          ? lt.latestVersionNumber
          : Number(version);
    return lt.versions.find((x) => x.versionNumber === v);
  }

  /** Resolves a version like {@link resolveVersion}, or InvalidLaunchTemplateId.VersionNotFound. */
  requireVersion(lt: LaunchTemplate, version: string | undefined): LaunchTemplateVersion {
    const v = this.resolveVersion(lt, version);
    if (!v) {
      throw new ServiceError(
        'InvalidLaunchTemplateId.VersionNotFound',
        `Could not find launch template version ${version} for launch template ${lt.launchTemplateId}.`,
      );
    }
    return v;
  }

  /** Creates a launch template with version 1. */
  createLaunchTemplate(
    name: string,
    data: Record<string, any>,
    description: string | undefined,
    tags: Record<string, string>,
  ): LaunchTemplate {
    if (name.length < 3 || name.length > 128 || !/^[a-zA-Z0-9().\-/_]+$/.test(name)) {
      throw new ServiceError(
        'InvalidLaunchTemplateName.MalformedException',
        "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'",
      );
    }
    if (this.findLaunchTemplateByName(name)) {
      throw new ServiceError(
        'InvalidLaunchTemplateName.AlreadyExistsException',
        `Launch template name already in use.`,
      );
    }
    validateLaunchTemplateData(data);
    const now = this.#host.clock.now();
    const version: LaunchTemplateVersion = { versionNumber: 1, createTime: now, data };
    if (description !== undefined) version.versionDescription = description;
    const lt: LaunchTemplate = {
      launchTemplateId: resourceId('lt'),
      launchTemplateName: name,
      createTime: now,
      createdBy: `arn:aws:iam::${this.#host.accountId}:root`,
      defaultVersionNumber: 1,
      latestVersionNumber: 1,
      versions: [version],
    };
    this.byId.set(lt.launchTemplateId, lt);
    if (Object.keys(tags).length > 0) this.#host.setTags(lt.launchTemplateId, tags);
    return lt;
  }

  /**
   * CreateLaunchTemplateVersion: version latest + 1; with a source version, the new data
   * overrides the source's top-level fields (as AWS merges them).
   */
  createLaunchTemplateVersion(
    lt: LaunchTemplate,
    data: Record<string, any>,
    description: string | undefined,
    sourceVersion: string | undefined,
  ): LaunchTemplateVersion {
    let base: Record<string, any> = {};
    if (sourceVersion !== undefined) {
      const source = this.requireVersion(lt, sourceVersion);
      base = source.data;
    }
    const merged = { ...base, ...data };
    validateLaunchTemplateData(merged);
    const version: LaunchTemplateVersion = {
      versionNumber: lt.latestVersionNumber + 1,
      createTime: this.#host.clock.now(),
      data: merged,
    };
    if (description !== undefined) version.versionDescription = description;
    lt.versions.push(version);
    lt.latestVersionNumber = version.versionNumber;
    return version;
  }

  /** Deletes a launch template and all its versions. */
  deleteLaunchTemplate(lt: LaunchTemplate): void {
    this.byId.delete(lt.launchTemplateId);
    this.#host.dropTags(lt.launchTemplateId);
  }
}

/** The launch-template data checks EC2 makes at creation (user data must be base64). */
function validateLaunchTemplateData(data: Record<string, any>): void {
  const userData = data.UserData;
  if (
    typeof userData === 'string' &&
    userData !== '' &&
    !/^[A-Za-z0-9+/]*={0,2}$/.test(userData.replace(/\s/g, ''))
  ) {
    throw new ServiceError('InvalidUserData.Malformed', 'Invalid BASE64 encoding of user data.');
  }
}
