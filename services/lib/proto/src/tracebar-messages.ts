// Named aliases for the generated tracebar.v1 message classes, interfaces and enums
// (proto/tracebar/v1/*.proto), so services import `SpanRecord` rather than `tracebar.v1.SpanRecord`.
import { tracebar } from './gen/tracebar.js';

const v1 = tracebar.v1;

// common.proto
export const Attributes = v1.Attributes;
export type Attributes = tracebar.v1.Attributes;
export type IAttributes = tracebar.v1.IAttributes;
export const SessionKeySource = v1.SessionKeySource;
export type SessionKeySource = tracebar.v1.SessionKeySource;
export const Outcome = v1.Outcome;
export type Outcome = tracebar.v1.Outcome;
export const ObjectiveRef = v1.ObjectiveRef;
export type ObjectiveRef = tracebar.v1.ObjectiveRef;
export type IObjectiveRef = tracebar.v1.IObjectiveRef;
export const Pattern = v1.Pattern;
export type Pattern = tracebar.v1.Pattern;
export type IPattern = tracebar.v1.IPattern;
export const Evidence = v1.Evidence;
export type Evidence = tracebar.v1.Evidence;
export type IEvidence = tracebar.v1.IEvidence;
export const SessionRef = v1.SessionRef;
export type SessionRef = tracebar.v1.SessionRef;
export type ISessionRef = tracebar.v1.ISessionRef;

// span.proto
export const SpanRecord = v1.SpanRecord;
export type SpanRecord = tracebar.v1.SpanRecord;
export type ISpanRecord = tracebar.v1.ISpanRecord;
export const SpanRecordHead = v1.SpanRecordHead;
export type SpanRecordHead = tracebar.v1.SpanRecordHead;
export type ISpanRecordHead = tracebar.v1.ISpanRecordHead;
export const SpanKind = v1.SpanKind;
export type SpanKind = tracebar.v1.SpanKind;
export const StatusCode = v1.StatusCode;
export type StatusCode = tracebar.v1.StatusCode;
export const SpanEvent = v1.SpanEvent;
export type SpanEvent = tracebar.v1.SpanEvent;
export type ISpanEvent = tracebar.v1.ISpanEvent;
export const SpanLink = v1.SpanLink;
export type SpanLink = tracebar.v1.SpanLink;
export type ISpanLink = tracebar.v1.ISpanLink;
export const GenAi = v1.GenAi;
export type GenAi = tracebar.v1.GenAi;
export type IGenAi = tracebar.v1.IGenAi;
export const GenAiMessage = v1.GenAiMessage;
export type GenAiMessage = tracebar.v1.GenAiMessage;
export type IGenAiMessage = tracebar.v1.IGenAiMessage;
export const GenAiToolCall = v1.GenAiToolCall;
export type GenAiToolCall = tracebar.v1.GenAiToolCall;
export type IGenAiToolCall = tracebar.v1.IGenAiToolCall;

// session.proto
export const SessionRecord = v1.SessionRecord;
export type SessionRecord = tracebar.v1.SessionRecord;
export type ISessionRecord = tracebar.v1.ISessionRecord;
export const CloseReason = v1.CloseReason;
export type CloseReason = tracebar.v1.CloseReason;
export const SessionSummary = v1.SessionSummary;
export type SessionSummary = tracebar.v1.SessionSummary;
export type ISessionSummary = tracebar.v1.ISessionSummary;
export const Turn = v1.Turn;
export type Turn = tracebar.v1.Turn;
export type ITurn = tracebar.v1.ITurn;
export const Step = v1.Step;
export type Step = tracebar.v1.Step;
export type IStep = tracebar.v1.IStep;
export const StepKind = v1.StepKind;
export type StepKind = tracebar.v1.StepKind;

// score.proto
export const ScoreRecord = v1.ScoreRecord;
export type ScoreRecord = tracebar.v1.ScoreRecord;
export type IScoreRecord = tracebar.v1.IScoreRecord;
export const Verdict = v1.Verdict;
export type Verdict = tracebar.v1.Verdict;
export type IVerdict = tracebar.v1.IVerdict;
export const Score = v1.Score;
export type Score = tracebar.v1.Score;
export type IScore = tracebar.v1.IScore;

// review.proto
export const ReviewItem = v1.ReviewItem;
export type ReviewItem = tracebar.v1.ReviewItem;
export type IReviewItem = tracebar.v1.IReviewItem;
export const ReviewReason = v1.ReviewReason;
export type ReviewReason = tracebar.v1.ReviewReason;
export type IReviewReason = tracebar.v1.IReviewReason;
export const ReviewStatus = v1.ReviewStatus;
export type ReviewStatus = tracebar.v1.ReviewStatus;

// alert.proto
export const Alert = v1.Alert;
export type Alert = tracebar.v1.Alert;
export type IAlert = tracebar.v1.IAlert;
export const AlertKind = v1.AlertKind;
export type AlertKind = tracebar.v1.AlertKind;
export const AlertSeverity = v1.AlertSeverity;
export type AlertSeverity = tracebar.v1.AlertSeverity;
export const AlertState = v1.AlertState;
export type AlertState = tracebar.v1.AlertState;

// label.proto
export const Label = v1.Label;
export type Label = tracebar.v1.Label;
export type ILabel = tracebar.v1.ILabel;
export const LabelSource = v1.LabelSource;
export type LabelSource = tracebar.v1.LabelSource;

// dead_letter.proto
export const DeadLetter = v1.DeadLetter;
export type DeadLetter = tracebar.v1.DeadLetter;
export type IDeadLetter = tracebar.v1.IDeadLetter;
export const DeadLetterHeader = v1.DeadLetterHeader;
export type DeadLetterHeader = tracebar.v1.DeadLetterHeader;
export type IDeadLetterHeader = tracebar.v1.IDeadLetterHeader;
