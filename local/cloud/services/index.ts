import type { ServiceFactory } from '../core/types.ts';
import { applicationAutoScalingService } from './application-autoscaling/handlers.ts';
import { autoScalingService } from './autoscaling/handlers.ts';
import { cloudWatchService } from './cloudwatch/handlers.ts';
import { ec2Service } from './ec2/handlers.ts';
import { ecsService } from './ecs/handlers.ts';
import { elbv2Service } from './elbv2/handlers.ts';
import { logsService } from './logs/handlers.ts';
import { schedulerService } from './scheduler/handlers.ts';
import { secretsManagerService } from './secretsmanager/handlers.ts';
import { ssmService } from './ssm/handlers.ts';

/**
 * Every emulated service (DynamoDB is served by the embedded dynalite, not listed here).
 */
export const serviceFactories: readonly ServiceFactory[] = [
  ec2Service,
  autoScalingService,
  ssmService,
  ecsService,
  elbv2Service,
  logsService,
  secretsManagerService,
  cloudWatchService,
  applicationAutoScalingService,
  schedulerService,
];
