"""Wire formats of the consult service's RPC methods, defined once in :mod:`platform_kit.wire.consult`
(the gateway reads the same)."""
from platform_kit.wire.consult import (  # noqa: F401
    ConsultationFilters, ConsultationOut, Countersign, DeadlineRecountOut, OpenConsultation, ReplyOut,
    ReplyToConsultation, AnswerJointReview, ConveneJointReview, JointReviewAnswerOut, JointReviewFilters,
    JointReviewMinutes, JointReviewOut)
