"""The routes of sealed licences (电子证照: PDF with the department's seal, change, paper licences'
true copies, hand-over at the window, public verification by the PDF, seal certificates), part of
:data:`gateway.routes.OPERATIONS`."""
from gateway.operation import Operation
from platform_kit.wire import certificate

LICENCES = (
    Operation("/licences/{licence_id}/pdf", "GET", "certificate", "get_licence_pdf",
              "下载电子证照 PDF（加盖发证部门电子印章，PAdES 签名，含二维码与用证码，可打印）",
              args=("path:licence_id",), media=("application/pdf",), binary=True, tag="certificate",
              errors=(401, 403, 404)),
    Operation("/licences/{licence_id}/changes", "POST", "certificate", "change_licence",
              "变更电子证照（发证部门）：签发新版本取代原证照，原证照核验为“已变更”并指向新证照",
              args=("path:licence_id", "body"), body=certificate.ChangeLicence, response=certificate.LicenceOut,
              status=201, tag="certificate"),
    Operation("/cases/{case_id}/paper-licence", "POST", "certificate", "register_paper_licence",
              "上传纸质证照扫描件（发证部门审批人员；批准时选择纸质证照的办件），平台加盖电子印章作为电子副本",
              args=("path:case_id", "body"), body=certificate.PaperLicence, response=certificate.LicenceOut,
              status=201, tag="certificate"),
    Operation("/licences/{licence_id}/handovers", "POST", "certificate", "record_handover",
              "综合窗口凭受理通知书发放证照（纸质或电子），记录领取人", args=("path:licence_id", "body"),
              body=certificate.RecordHandover, response=certificate.LicenceOut, status=201, tag="certificate"),
    Operation("/licences/pdf-verification", "POST", "certificate", "verify_licence_pdf",
              "凭证照 PDF 核验（公开）：验证电子印章签名，并答复证照现在的状态（有效、已变更、已废止、已过期）",
              args=("body",), body=certificate.VerifyPdf, response=certificate.LicenceCheckOut, public=True,
              tag="certificate", errors=(400, 413, 422)),
    Operation("/seals", "GET", "certificate", "list_seals", "各部门电子印章证书与城市 PKI 根证书（公开）",
              response=certificate.SealsOut, public=True, tag="certificate", errors=()),
    Operation("/seals/rotations", "POST", "certificate", "rotate_seal",
              "更换部门印章证书（平台运营）：新证书自此盖章，此前的证照按盖章时间仍可核验", args=("body",),
              body=certificate.RotateSeal, response=certificate.SealOut, status=201, tag="certificate"),
)
